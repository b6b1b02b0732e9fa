/**
 * Checks a checkpoint the monitor did not follow itself (a peer's, or an older one the hub
 * served again) against the tree the monitor verified.
 */
import { ProofError } from '../ledger/errors.js';
import { equalHashes } from '../ledger/hash.js';
import { proveConsistency, treeRoot, verifyConsistency } from '../ledger/proof.js';
import { tileHashReader, tilePath } from '../ledger/tile.js';
import { FetchError, TILE_LIMIT, type HttpReader } from './monitor-http.js';
import type { AcceptedCheckpoint } from './state-store.js';

export type PeerVerdict =
  | { kind: 'consistent' }
  /**
   * Larger than the verified tree. `proven` when the hub's tiles at its size gave a consistency
   * proof from the latest accepted checkpoint to it. Either way it is compared again once the
   * monitor accepts that size, because two trees that both extend the accepted one may still differ.
   */
  | { kind: 'ahead'; proven: boolean; reason: string }
  | { kind: 'fork'; against: AcceptedCheckpoint; reason: string }
  /** The hub's tiles do not build its own verified root, so they cannot decide. */
  | { kind: 'unverified'; reason: string };

export interface PeerCheck {
  checkpoint: { size: number; rootHash: Uint8Array };
  latest: AcceptedCheckpoint | undefined;
  readAccepted(size: number): Promise<AcceptedCheckpoint | undefined>;
  hub: HttpReader;
}

/**
 * Compares a checkpoint signed by the log key with the monitor's verified tree. A size the
 * monitor accepted is compared root to root. A smaller size is checked with the tree's root at
 * that size, read from the hub's tiles: those tiles must first prove themselves consistent with
 * the monitor's latest root, so a lying hub cannot turn a good checkpoint into a fork.
 * @throws FetchError when the hub does not serve a tile.
 */
export async function comparePeerCheckpoint(check: PeerCheck): Promise<PeerVerdict> {
  const { checkpoint, latest } = check;
  if (latest === undefined) return { kind: 'ahead', proven: false, reason: 'the monitor has accepted no checkpoint yet' };
  if (checkpoint.size > latest.size) return proveAhead(check, latest);
  const accepted = await check.readAccepted(checkpoint.size);
  if (accepted !== undefined) {
    if (equalHashes(accepted.rootHash, checkpoint.rootHash)) return { kind: 'consistent' };
    return { kind: 'fork', against: accepted, reason: `size ${checkpoint.size} has two different roots` };
  }
  // Size 0 has one root, SHA-256(""), which parsing the checkpoint already checked.
  if (checkpoint.size === 0) return { kind: 'consistent' };

  const read = tileHashReader(latest.size, (tile) => check.hub.bytes(`/${tilePath(tile)}`, TILE_LIMIT));
  const ourRoot = await treeRoot(checkpoint.size, read);
  const proof = await proveConsistency(checkpoint.size, latest.size, read);
  try {
    verifyConsistency(checkpoint.size, latest.size, proof, ourRoot, latest.rootHash);
  } catch (error) {
    if (!(error instanceof ProofError)) throw error;
    return { kind: 'unverified', reason: `hub tiles for size ${checkpoint.size}: ${error.message}` };
  }
  if (equalHashes(ourRoot, checkpoint.rootHash)) return { kind: 'consistent' };
  return {
    kind: 'fork',
    against: latest,
    reason: `the verified tree has another root at size ${checkpoint.size}`,
  };
}

/**
 * Proves a larger checkpoint consistent with the latest accepted one, from the hub's tiles at
 * the larger size (RFC 9162 §2.1.4). The proof is checked against two signed roots, so tiles
 * that make it pass cannot be lies. A proof that fails is not a fork by itself, since the tiles
 * past the accepted size are unverified, so the verdict then stays unproven.
 */
async function proveAhead(check: PeerCheck, latest: AcceptedCheckpoint): Promise<PeerVerdict> {
  const { size, rootHash } = check.checkpoint;
  if (latest.size === 0) return { kind: 'ahead', proven: true, reason: 'every tree extends the empty tree' };
  const read = tileHashReader(size, (tile) => check.hub.bytes(`/${tilePath(tile)}`, TILE_LIMIT));
  let proof: Uint8Array[];
  try {
    proof = await proveConsistency(latest.size, size, read);
  } catch (error) {
    if (!(error instanceof FetchError)) throw error;
    return { kind: 'ahead', proven: false, reason: `the hub serves no tiles for size ${size} yet: ${error.message}` };
  }
  try {
    verifyConsistency(latest.size, size, proof, latest.rootHash, rootHash);
  } catch (error) {
    if (!(error instanceof ProofError)) throw error;
    return { kind: 'ahead', proven: false, reason: `hub tiles for size ${size} give no consistency proof from size ${latest.size}: ${error.message}` };
  }
  return { kind: 'ahead', proven: true, reason: `consistent with size ${latest.size}, proven from hub tiles` };
}
