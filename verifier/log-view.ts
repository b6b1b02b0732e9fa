import { equalHashes, hashLeaf } from '../ledger/hash.js';
import { buildTreeLevels, levelsHashReader, proveInclusionSync, treeRootSync } from '../ledger/proof.js';
import type { Checkpoint } from '../ledger/checkpoint.js';
import { encodeBase64 } from '../ledger/note.js';
import type { LoggedEnvelope } from '../registry/envelope.js';
import { RuleError } from '../registry/errors.js';
import { Registry } from '../registry/registry.js';
import type { RegistryState } from '../registry/state.js';
import { VerificationError } from './errors.js';

/**
 * A log as a verifier sees it at one checkpoint: the registry state folded from its entries
 * and a way to read entries with their inclusion proofs. The hub builds one over its own
 * store; an offline verifier builds one from every entry with {@link logViewFromEntries}.
 */
export interface LogView {
  /** The signed checkpoint note, with the cosignatures collected for it. */
  checkpoint: string;
  /** Registry state folded from at least the checkpoint's entries; queries go as of an index below its size. */
  state: RegistryState;
  /** Indexes below the checkpoint's size of the entries that name the document, in log order. */
  indexesNaming(documentSha256: string): Promise<number[]>;
  entry(index: number): Promise<Uint8Array>;
  /** The inclusion proof of entry `index` to the checkpoint. */
  inclusionProof(index: number): Promise<Uint8Array[]>;
}

/**
 * Builds a view from every entry of the log up to an opened checkpoint: the entries must be
 * exactly `checkpoint.size` and hash to its root, and the registry replays them from entry 0.
 * The entries are attacker-controlled (a receipt file or a hub's bundles).
 * @throws VerificationError `invalid_log` when the entries do not match the checkpoint or an
 *   entry breaks a registry rule.
 */
export function logViewFromEntries(note: string, checkpoint: Checkpoint, entries: readonly Uint8Array[]): LogView {
  if (entries.length !== checkpoint.size) {
    throw new VerificationError('invalid_log', `the log has ${entries.length} entries, the checkpoint ${checkpoint.size}`, {
      entries: entries.length,
      checkpointSize: checkpoint.size,
    });
  }
  const levels = buildTreeLevels(entries.map(hashLeaf));
  const reader = levelsHashReader(levels);
  const root = treeRootSync(entries.length, reader);
  if (!equalHashes(root, checkpoint.rootHash)) {
    throw new VerificationError('invalid_log', `the entries hash to root ${encodeBase64(root)}, not the checkpoint's ${encodeBase64(checkpoint.rootHash)}`, {
      computedRoot: encodeBase64(root),
      checkpointRoot: encodeBase64(checkpoint.rootHash),
    });
  }
  const registry = replay(entries);
  const naming = documentIndexes(registry.state, entries);
  return {
    checkpoint: note,
    state: registry.state,
    indexesNaming: async (sha256) => naming.get(sha256) ?? [],
    entry: async (index) => {
      const entry = entries[index];
      if (entry === undefined) throw new RangeError(`entry ${index} is not below the checkpoint size ${entries.length}`);
      return entry;
    },
    inclusionProof: async (index) => proveInclusionSync(index, entries.length, reader),
  };
}

function replay(entries: readonly Uint8Array[]): Registry {
  try {
    return Registry.replay(entries);
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    const index = typeof error.evidence.index === 'number' ? error.evidence.index : null;
    throw new VerificationError('invalid_log', `the log breaks a registry rule: ${error.message}`, { index, code: error.code }, { cause: error });
  }
}

/**
 * Maps each document to the entries that name it: its `document.register`, and every entry
 * of an exchange that sends it. The entries replayed already, so each one decodes.
 */
function documentIndexes(state: RegistryState, entries: readonly Uint8Array[]): Map<string, number[]> {
  const naming = new Map<string, number[]>();
  entries.forEach((entry, index) => {
    const sha256 = documentNamedBy(state, JSON.parse(Buffer.from(entry).toString('utf8')) as LoggedEnvelope, index);
    if (sha256 === undefined) return;
    const list = naming.get(sha256) ?? [];
    list.push(index);
    naming.set(sha256, list);
  });
  return naming;
}

/** The document an entry is about, if any: its own hash, or the document its exchange sends. */
export function documentNamedBy(state: RegistryState, envelope: LoggedEnvelope, index: number): string | undefined {
  const body = envelope.body as unknown as Record<string, unknown>;
  if (envelope.kind === 'document.register') return body.sha256 as string;
  if (typeof body.documentSha256 === 'string') return body.documentSha256;
  if (typeof body.exchangeId === 'string') return state.exchange(body.exchangeId, index)?.send.documentSha256;
  return undefined;
}

