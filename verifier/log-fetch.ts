import { decodeBundle } from '../ledger/bundle.js';
import { openCheckpoint } from '../ledger/checkpoint.js';
import { LedgerError, NoteError } from '../ledger/errors.js';
import type { NoteVerifier } from '../ledger/note.js';
import { entriesPath, TILE_WIDTH } from '../ledger/tile.js';
import { decodeLeaf } from '../registry/envelope.js';
import type { GenesisBody } from '../registry/kinds/log.js';
import { evaluateTlogPolicy, policyFromWitnesses, type TlogPolicy } from './tlog-policy.js';

/**
 * Reads a log's C2SP resources by path (`/checkpoint`, `/tile/entries/000`, ...). The caller
 * does the I/O, because this folder never touches the network. Every response is untrusted.
 */
export interface LogFetcher {
  text(path: string): Promise<string>;
  bytes(path: string): Promise<Uint8Array>;
}

/** A checkpoint note and the entries it claims, not yet checked against each other. */
export interface FetchedLog {
  checkpoint: string;
  entries: Uint8Array[];
  /**
   * The newest checkpoint and its entries when it fell short of the witness policy and an
   * older witnessed `checkpoint` was taken instead. The verifier reads it only to tell a
   * document that is not logged from one that the witnesses have not cosigned yet.
   */
  unwitnessed?: { checkpoint: string; entries: Uint8Array[] };
}

/** Entry bundles fetched at once. */
const BUNDLE_CONCURRENCY = 8;

/**
 * Reads a log as `ecert verify --hub` needs it: the newest checkpoint and every entry up to
 * it from the entry bundles (c2sp.org/tlog-tiles), never the hub's JSON responses. When that
 * checkpoint falls short of the witness policy, it takes `/v1/checkpoints/witnessed` instead
 * if that one is signed by the log key and meets the policy. Without `policy`, the genesis
 * entry's witnesses and witnessQuorum decide.
 * The entries are checked against the checkpoint later, by logViewFromEntries.
 * @throws NoteError `malformed_bundle` for a bundle that does not decode; the fetcher's errors.
 */
export async function fetchLog(fetcher: LogFetcher, logKey: NoteVerifier, policy?: TlogPolicy): Promise<FetchedLog> {
  const latest = await fetcher.text('/checkpoint');
  let size: number;
  try {
    size = openCheckpoint(latest, logKey, logKey.name).checkpoint.size;
  } catch (error) {
    // Another log's checkpoint: the verifier reports it as UNKNOWN_LOG, so no entry is read.
    if (error instanceof NoteError) return { checkpoint: latest, entries: [] };
    throw error;
  }
  const entries = await fetchEntries(fetcher, size);
  const effective = policy ?? genesisPolicy(entries);
  if (effective === undefined || satisfiesPolicy(latest, effective)) return { checkpoint: latest, entries };

  const witnessed = await fetchWitnessed(fetcher, logKey, effective, size);
  if (witnessed === undefined) return { checkpoint: latest, entries };
  return { checkpoint: witnessed.note, entries: entries.slice(0, witnessed.size), unwitnessed: { checkpoint: latest, entries } };
}

/**
 * Tells whether a checkpoint meets the policy. A checkpoint with a witness line that does not
 * verify does not: the witnessed checkpoint is tried instead, and if the verifier keeps this
 * one, its traceability check reports the bad line.
 */
function satisfiesPolicy(note: string, policy: TlogPolicy): boolean {
  try {
    return evaluateTlogPolicy(note, policy).satisfied;
  } catch (error) {
    if (error instanceof LedgerError) return false;
    throw error;
  }
}

async function fetchWitnessed(
  fetcher: LogFetcher,
  logKey: NoteVerifier,
  policy: TlogPolicy,
  latestSize: number,
): Promise<{ note: string; size: number } | undefined> {
  let note: string;
  try {
    note = await fetcher.text('/v1/checkpoints/witnessed');
  } catch {
    // No witnessed checkpoint (or no such endpoint): the latest one is reported as it is.
    return undefined;
  }
  try {
    const { checkpoint } = openCheckpoint(note, logKey, logKey.name);
    if (checkpoint.size > latestSize || !evaluateTlogPolicy(note, policy).satisfied) return undefined;
    return { note, size: checkpoint.size };
  } catch (error) {
    if (error instanceof LedgerError) return undefined;
    throw error;
  }
}

/** Reads entries 0 to size-1 from the entry bundles, full bundles and the final partial one. */
export async function fetchEntries(fetcher: LogFetcher, size: number): Promise<Uint8Array[]> {
  const bundleCount = Math.ceil(size / TILE_WIDTH);
  const bundles: Uint8Array[][] = new Array<Uint8Array[]>(bundleCount);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bundleCount) {
      const index = next++;
      const width = Math.min(TILE_WIDTH, size - index * TILE_WIDTH);
      bundles[index] = decodeBundle(await fetcher.bytes(`/${entriesPath(index, width)}`), width);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BUNDLE_CONCURRENCY, bundleCount) }, worker));
  return bundles.flat();
}

/** Builds the policy of the genesis entry, or returns undefined when entry 0 is not a valid genesis. */
function genesisPolicy(entries: readonly Uint8Array[]): TlogPolicy | undefined {
  if (entries.length === 0) return undefined;
  try {
    const genesis = decodeLeaf(entries[0]!);
    if (genesis.kind !== 'log.genesis') return undefined;
    const body = genesis.body as GenesisBody;
    // NOTE: later witness.add and witness.remove entries are not applied here. The verifier
    // decides with the witness set as of the checkpoint once it has replayed the log.
    return policyFromWitnesses(body.witnesses, body.witnessQuorum);
  } catch (error) {
    if (error instanceof LedgerError) return undefined;
    throw error;
  }
}
