/**
 * Tile and bundle writes for a growing log (c2sp.org/tlog-tiles). A TileWriter contains the right
 * edge of the tree: the compact range (one hash per complete subtree) and the partial tile of each
 * level with the partial entry bundle. Growing it by a batch of entries yields every tile and
 * bundle that changes, each written once at its final width, and a new writer; the old one stays
 * valid, so a caller whose commit fails keeps the state it had.
 */
import { encodeBundle } from './bundle.js';
import { CompactRange, edgeNodes } from './compact-range.js';
import { SequencerError } from './errors.js';
import { HASH_SIZE, hashLeaf } from './hash.js';
import type { NodeId } from './proof.js';
import {
  readBundleAtWidth,
  readTileAtWidth,
  type BundleWrite,
  type LogStorage,
  type TileWrite,
} from './storage.js';
import { TILE_HEIGHT, TILE_WIDTH, tileHashReader, tilesForSize } from './tile.js';

const TILE_BYTES = TILE_WIDTH * HASH_SIZE;

/** The tiles and bundles one batch writes, and the writer for the grown tree. */
export interface TileGrowth {
  tiles: TileWrite[];
  bundles: BundleWrite[];
  /** Leaf hash of each new entry, in order. */
  leafHashes: Uint8Array[];
  next: TileWriter;
}

export class TileWriter {
  readonly #range: CompactRange;
  // Partial right-edge tile of each level, in a 256-hash buffer; width follows from the size.
  // A writer never changes these buffers after construction: grow() copies before writing.
  readonly #edgeTiles: (Uint8Array | undefined)[];
  // Encoded entries of the partial right-edge bundle (empty when the size is a multiple of 256).
  readonly #edgeBundle: Uint8Array;

  private constructor(range: CompactRange, edgeTiles: (Uint8Array | undefined)[], edgeBundle: Uint8Array) {
    this.#range = range;
    this.#edgeTiles = edgeTiles;
    this.#edgeBundle = edgeBundle;
  }

  /** Returns a writer for the empty tree. */
  static empty(): TileWriter {
    return new TileWriter(new CompactRange(), [], new Uint8Array(0));
  }

  /**
   * Loads the right edge of a tree of `size` from the stored tiles and bundle. The compact range
   * comes from the stored right-edge tiles of every level, so root() checks them against a
   * checkpoint. It does not read the tiles left of the edge.
   * @throws StorageError `tile_missing`, `tile_short`, `bundle_missing` or `bundle_short`.
   */
  static async load(storage: LogStorage, size: number): Promise<TileWriter> {
    const readTile = (tile: { level: number; index: number; width: number }): Promise<Uint8Array> =>
      readTileAtWidth(storage, tile.level, tile.index, tile.width);
    const range = new CompactRange(size, await tileHashReader(size, readTile)(edgeNodes(size)));
    const edgeTiles: (Uint8Array | undefined)[] = [];
    for (const tile of tilesForSize(size)) {
      if (tile.width === TILE_WIDTH) continue;
      const buffer = new Uint8Array(TILE_BYTES);
      buffer.set(await readTile(tile));
      edgeTiles[tile.level] = buffer;
    }
    const bundleWidth = size % TILE_WIDTH;
    const edgeBundle =
      bundleWidth === 0
        ? new Uint8Array(0)
        : new Uint8Array(await readBundleAtWidth(storage, Math.floor(size / TILE_WIDTH), bundleWidth));
    return new TileWriter(range, edgeTiles, edgeBundle);
  }

  /** Number of leaves in the tree. */
  get size(): number {
    return this.#range.size;
  }

  /** Returns the Merkle tree hash of the tree (RFC 9162 §2.1.1). */
  root(): Uint8Array {
    return this.#range.root();
  }

  /**
   * Appends `entries` and returns the tiles and bundles to store and the grown writer; this
   * writer is unchanged. `leafHashes`, if given, must be the entries' leaf hashes (the sequencer
   * computes them once for its results). Partial tiles are never hashed into a higher level: a
   * level-L hash appears only when a level-(L-1) tile fills up.
   * @throws NoteError `invalid_bundle` for an entry over 65,535 bytes.
   */
  grow(entries: readonly Uint8Array[], leafHashes?: readonly Uint8Array[]): TileGrowth {
    const hashes = leafHashes ?? entries.map((entry) => hashLeaf(entry));
    if (hashes.length !== entries.length) {
      throw new SequencerError(
        'invalid_leaf_hashes',
        `${hashes.length} leaf hashes given for ${entries.length} entries`,
      );
    }
    const range = this.#range.clone();
    const edgeTiles = this.#edgeTiles.slice();
    const owned: boolean[] = [];
    const touched: boolean[] = [];
    const tiles: TileWrite[] = [];

    // A node at tree level 8L is a hash of tile level L, at position index mod 256 of tile
    // floor(index / 256): the leaf itself for L = 0, a full level-(L-1) tile's root above.
    const visit = (node: NodeId, hash: Uint8Array): void => {
      if (node.level % TILE_HEIGHT !== 0) return;
      const level = node.level / TILE_HEIGHT;
      if (!owned[level]) {
        const copy = new Uint8Array(TILE_BYTES);
        const old = edgeTiles[level];
        if (old !== undefined) copy.set(old);
        edgeTiles[level] = copy;
        owned[level] = true;
      }
      const position = node.index % TILE_WIDTH;
      edgeTiles[level]!.set(hash, position * HASH_SIZE);
      touched[level] = true;
      if (position === TILE_WIDTH - 1) {
        tiles.push({ level, index: (node.index - position) / TILE_WIDTH, hashes: edgeTiles[level]! });
        edgeTiles[level] = new Uint8Array(TILE_BYTES);
      }
    };
    for (const hash of hashes) range.append(hash, visit);

    // Each touched level whose last tile is now partial writes that tile at its new width.
    for (let level = 0; level < touched.length; level++) {
      const width = Math.floor(range.size / TILE_WIDTH ** level) % TILE_WIDTH;
      if (!touched[level]) continue;
      if (width === 0) {
        edgeTiles[level] = undefined;
        continue;
      }
      const index = Math.floor(range.size / TILE_WIDTH ** (level + 1));
      tiles.push({ level, index, hashes: edgeTiles[level]!.subarray(0, width * HASH_SIZE) });
    }

    const { bundles, edgeBundle } = this.#growBundles(entries);
    return { tiles, bundles, leafHashes: [...hashes], next: new TileWriter(range, edgeTiles, edgeBundle) };
  }

  #growBundles(entries: readonly Uint8Array[]): { bundles: BundleWrite[]; edgeBundle: Uint8Array } {
    const bundles: BundleWrite[] = [];
    let edgeBundle = this.#edgeBundle;
    let next = 0;
    let position = this.size;
    while (next < entries.length) {
      const room = TILE_WIDTH - (position % TILE_WIDTH);
      const count = Math.min(room, entries.length - next);
      const added = encodeBundle(entries.slice(next, next + count));
      const bundle = concat(position % TILE_WIDTH === 0 ? new Uint8Array(0) : edgeBundle, added);
      bundles.push({ index: Math.floor(position / TILE_WIDTH), bundle });
      next += count;
      position += count;
      edgeBundle = position % TILE_WIDTH === 0 ? new Uint8Array(0) : bundle;
    }
    return { bundles, edgeBundle };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
