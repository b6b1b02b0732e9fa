/**
 * The application-level check of a hub's store: replaying every entry into the registry state,
 * and checking that each entry's index keys exist and point to it. Deduplication and nonce
 * replay protection read those keys (DESIGN.md §3, deduplication), so a lost `n/` key would let
 * a replayed nonce in and a lost `d/` key would log a client's retry twice.
 */
import { LogReader } from '../ledger/log.js';
import { decodeLeaf, type LoggedEnvelope } from '../registry/envelope.js';
import { RuleError } from '../registry/errors.js';
import { Registry } from '../registry/registry.js';
import type { LogStorage } from '../ledger/storage.js';
import { describeIndexKey, entryIndexKeys } from './index-keys.js';

/** Codes of index key problems. They stop a start or appear in fsck reports, but never in an HTTP response. */
export type IndexKeyProblemCode = 'index_key_missing' | 'index_key_mismatch';

/** An index key of an entry that is missing, or that points to another entry. */
export interface IndexKeyProblem {
  code: IndexKeyProblemCode;
  /** The entry the key belongs to. */
  index: number;
  /** The key, formatted by describeIndexKey. */
  key: string;
  /** The entry index stored under the key, for `index_key_mismatch`. */
  found?: number;
  message: string;
}

export interface ReplayOptions {
  /** Called for each index key problem, in log order; the replay goes on unless it throws. */
  onIndexKeyProblem(problem: IndexKeyProblem): void;
}

/**
 * Replays entries 0..size-1 of the store into `registry`, which must be empty, checking each
 * entry's index keys on the way. The entries passed the rules when they were logged, so
 * replaying them checks the stored log once more.
 * @throws RuleError, prefixed with the entry's index, for an entry that no longer decodes or
 *   passes the rules. StorageError when an entry cannot be read, and whatever
 *   `onIndexKeyProblem` throws.
 */
export async function replayEntries(
  storage: LogStorage,
  registry: Registry,
  size: number,
  options: ReplayOptions,
): Promise<void> {
  const reader = new LogReader(storage, { bundleCacheSize: 2 });
  const nonces = new Set<string>();
  const hasNonce = (actor: string, nonce: string): boolean => nonces.has(`${actor}\n${nonce}`);
  // TODO: keep a snapshot of the folded state so that a start does not re-check every
  // signature of a long log (about 10k entries per second per core).
  for (let index = 0; index < size; index++) {
    const entry = await reader.entry(index);
    const envelope = decodeEntry(entry, index);
    // The document keys depend on the state before the entry, so they are listed first.
    const keys = entryIndexKeys(registry, envelope, entry, index);
    const change = registry.append(envelope, hasNonce);
    nonces.add(`${change.actor}\n${change.nonce}`);
    if (index % 1024 === 1023) registry.releaseUndo(index + 1);
    await checkIndexKeys(storage, keys, index, options);
  }
  registry.releaseUndo(size);
}

function decodeEntry(entry: Uint8Array, index: number): LoggedEnvelope {
  try {
    return decodeLeaf(entry);
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    throw new RuleError(error.code, `entry ${index}: ${error.message}`, { ...error.evidence, index }, { cause: error });
  }
}

async function checkIndexKeys(
  storage: LogStorage,
  keys: readonly Uint8Array[],
  index: number,
  options: ReplayOptions,
): Promise<void> {
  const stored = await Promise.all(keys.map((key) => storage.readIndexKey(key)));
  keys.forEach((key, i) => {
    const found = stored[i];
    if (found === index) return;
    const name = describeIndexKey(key);
    const code = found === undefined ? 'index_key_missing' : 'index_key_mismatch';
    const message =
      found === undefined
        ? `index key ${name} of entry ${index} is missing`
        : `index key ${name} of entry ${index} points to entry ${found}`;
    options.onIndexKeyProblem({ code, index, key: name, found, message });
  });
}
