/**
 * The extent check: a store contains nothing beyond its latest checkpoint. Every commit writes its
 * tiles, bundles and checkpoint in one atomic batch, so data beyond the latest checkpoint means the
 * latest-checkpoint record was rolled back (restored from an older copy, or overwritten). A
 * sequencer starting there would sign a checkpoint that contradicts one it signed before.
 */
import { StorageError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import type { LogStorage, StoredCheckpoint } from './storage.js';
import { TILE_WIDTH } from './tile.js';

/** Tile levels checked above the tree: 256^7 = 2^56 exceeds every size below 2^53. */
const MAX_LEVELS = 7;

/**
 * Checks that no stored checkpoint, tile or bundle lies beyond `latest` (the store's latest
 * checkpoint, undefined when the store has none). Reads one tile per level, one bundle and
 * one checkpoint, so it is fast at any size.
 * @throws StorageError `latest_checkpoint_missing` when the store has no latest checkpoint but
 *   contains checkpoints, tiles or bundles; `beyond_latest_checkpoint` when it contains a larger
 *   checkpoint or a tile or bundle wider than the latest checkpoint covers. Both are corrupt.
 */
export async function checkStoreExtent(storage: LogStorage, latest: StoredCheckpoint | undefined): Promise<void> {
  const size = latest?.size ?? 0;
  const found = await findDataBeyond(storage, size);
  if (found === undefined) return;
  if (latest === undefined) {
    throw new StorageError(
      'latest_checkpoint_missing',
      `the latest-checkpoint record is missing, but the store contains ${found}; the record was deleted or ` +
        'rolled back, so restore the store from a backup',
      { corrupt: true },
    );
  }
  throw new StorageError(
    'beyond_latest_checkpoint',
    `the latest checkpoint has size ${size}, but the store contains ${found}; the latest-checkpoint record ` +
      'was rolled back, so restore the store from a backup',
    { corrupt: true },
  );
}

/** Describes the first stored item beyond a tree of `size`, or returns undefined. */
async function findDataBeyond(storage: LogStorage, size: number): Promise<string | undefined> {
  const [larger] = await storage.listCheckpoints(size + 1, 1);
  if (larger !== undefined) return `a checkpoint of size ${larger.size}`;

  let levelSize = size;
  for (let level = 0; level < MAX_LEVELS; level++) {
    // The right-edge tile of this level, and how many of its hashes the tree covers.
    const index = Math.floor(levelSize / TILE_WIDTH);
    const covered = levelSize - index * TILE_WIDTH;
    const tile = await storage.readTile(level, index);
    const stored = tile === undefined ? 0 : Math.floor(tile.length / HASH_SIZE);
    if (stored > covered) return `tile ${level}/${index} with ${stored} hashes where the tree covers ${covered}`;
    if (levelSize === 0) break;
    levelSize = Math.floor(levelSize / TILE_WIDTH);
  }

  const index = Math.floor(size / TILE_WIDTH);
  const covered = size - index * TILE_WIDTH;
  const bundle = await storage.readBundle(index);
  if (bundle !== undefined) {
    const entries = countEntries(bundle, covered + 1);
    if (entries > covered) return `entry bundle ${index} with more than ${covered} entries`;
  }
  return undefined;
}

/** Counts the complete entries at the start of a bundle, stopping at `max`. */
function countEntries(bundle: Uint8Array, max: number): number {
  let offset = 0;
  let count = 0;
  while (count < max && offset + 2 <= bundle.length) {
    const end = offset + 2 + bundle[offset]! * 256 + bundle[offset + 1]!;
    if (end > bundle.length) break;
    offset = end;
    count++;
  }
  return count;
}
