/**
 * The startup check of a stored log: rebuild the right edge of the tree from the stored tiles and
 * compare its root with the latest stored checkpoint, so a sequencer never extends a tree that its
 * checkpoint does not describe.
 */
import { StorageError } from './errors.js';
import { equalHashes } from './hash.js';
import type { LogStorage, StoredCheckpoint } from './storage.js';
import { TileWriter } from './tile-writer.js';

/** The latest checkpoint's root differs from the root of the stored tiles. */
export class RootMismatchError extends StorageError {
  readonly size: number;
  readonly storedRoot: Uint8Array;
  readonly computedRoot: Uint8Array;

  constructor(size: number, storedRoot: Uint8Array, computedRoot: Uint8Array) {
    super(
      'root_mismatch',
      `stored checkpoint of size ${size} has root ${hex(storedRoot)}, but the stored right-edge ` +
        `tiles give ${hex(computedRoot)}; run fsck to find the damaged tile`,
      { corrupt: true },
    );
    this.size = size;
    this.storedRoot = storedRoot;
    this.computedRoot = computedRoot;
  }
}

/** The right edge of a stored log and the checkpoint it matches (undefined for an empty store). */
export interface RightEdge {
  checkpoint: StoredCheckpoint | undefined;
  writer: TileWriter;
}

/**
 * Loads the right edge of the stored tree and checks it against the latest checkpoint. Reads
 * only the right-edge tile of each level and the partial bundle, so it is fast at any size.
 * @throws RootMismatchError (`root_mismatch`); StorageError `tile_missing`, `tile_short`,
 *   `bundle_missing`, `bundle_short`; all `corrupt`.
 */
export async function loadRightEdge(storage: LogStorage): Promise<RightEdge> {
  const checkpoint = await storage.readLatestCheckpoint();
  if (checkpoint === undefined) return { checkpoint, writer: TileWriter.empty() };
  const writer = await TileWriter.load(storage, checkpoint.size);
  const computed = writer.root();
  if (!equalHashes(computed, checkpoint.rootHash)) {
    throw new RootMismatchError(checkpoint.size, checkpoint.rootHash, computed);
  }
  return { checkpoint, writer };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
