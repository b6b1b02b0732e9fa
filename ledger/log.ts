/**
 * The read side of a log over a LogStorage: checkpoints, tiles and entry bundles as
 * c2sp.org/tlog-tiles serves them, entries, leaf hashes, and inclusion and consistency proofs
 * (RFC 9162 §2.1.3, §2.1.4) computed from the tiles. It serves only what the latest checkpoint
 * implies, so a reader never sees data that no signed checkpoint covers.
 */
import { StorageError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import { proveConsistency, proveInclusion } from './proof.js';
import {
  bundlePrefixLength,
  checkStorageNumber,
  MAX_LIST_LIMIT,
  readBundleAtWidth,
  sliceTile,
  type IndexKeyRecord,
  type LogStorage,
  type StoredCheckpoint,
} from './storage.js';
import { TILE_WIDTH, TileTree, tileHashReader, tileWidth } from './tile.js';

export interface LogReaderOptions {
  /**
   * Maximum tiles kept in memory, each with its interior hashes (up to 16 KiB); default 4096,
   * about 64 MiB, enough for every level-0 tile of a log of one million entries.
   */
  tileCacheSize?: number;
  /** Maximum full entry bundles kept in memory; default 64. */
  bundleCacheSize?: number;
}

const MAX_TILE_LEVEL = 63;

export class LogReader {
  readonly #storage: LogStorage;
  // Full tiles and bundles never change once written, so caching them needs no invalidation.
  // Cached full tiles keep their interior hashes, so proofs do not hash them again.
  readonly #tiles: LruCache<TileTree>;
  readonly #bundles: LruCache<Uint8Array>;

  constructor(storage: LogStorage, options: LogReaderOptions = {}) {
    this.#storage = storage;
    this.#tiles = new LruCache(options.tileCacheSize ?? 4096);
    this.#bundles = new LruCache(options.bundleCacheSize ?? 64);
  }

  /** Returns the latest checkpoint, or undefined before the first one. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.#storage.readLatestCheckpoint();
  }

  /** Returns the checkpoint of `size`. @throws StorageError `not_found`. */
  async checkpoint(size: number): Promise<StoredCheckpoint> {
    const found = await this.#storage.readCheckpoint(size);
    if (found === undefined) throw notFound(`no checkpoint of size ${size}`);
    return found;
  }

  /** Lists the stored checkpoints with sizes in [fromSize, toSize), in increasing size. */
  async listCheckpoints(fromSize: number, toSize: number): Promise<StoredCheckpoint[]> {
    const found: StoredCheckpoint[] = [];
    for (let next = fromSize; next < toSize; ) {
      const page = await this.#storage.listCheckpoints(next, Math.min(MAX_LIST_LIMIT, toSize - next));
      const inRange = page.filter((checkpoint) => checkpoint.size < toSize);
      found.push(...inRange);
      if (inRange.length < page.length || page.length === 0) break;
      next = page[page.length - 1]!.size + 1;
    }
    return found;
  }

  /** Returns the cosignature lines collected for the checkpoint of `size`. */
  cosignatures(size: number): Promise<string[]> {
    return this.#storage.readCosignatures(size);
  }

  /**
   * Returns the bytes of `tile/<level>/<index>[.p/<width>]`. The tile must be implied by the
   * latest checkpoint: its first `width` hashes lie within the tree.
   * @throws StorageError `not_found`, or a corrupt StorageError if the store lost the tile.
   */
  async tile(level: number, index: number, width: number = TILE_WIDTH): Promise<Uint8Array> {
    checkTileArguments(level, index, width);
    const size = await this.#latestSize();
    if (width > tileWidth(level, index, size)) {
      throw notFound(`tile ${level}/${index} of width ${width} is beyond the latest checkpoint (size ${size})`);
    }
    return (await this.#readTile(level, index, width)).slice();
  }

  /**
   * Returns the bytes of `tile/entries/<index>[.p/<width>]`, implied by the latest checkpoint.
   * @throws StorageError `not_found`, or a corrupt StorageError.
   */
  async bundle(index: number, width: number = TILE_WIDTH): Promise<Uint8Array> {
    checkTileArguments(0, index, width);
    const size = await this.#latestSize();
    if (width > tileWidth(0, index, size)) {
      throw notFound(`bundle ${index} of width ${width} is beyond the latest checkpoint (size ${size})`);
    }
    return (await this.#readBundle(index, width)).slice();
  }

  /** Returns entry `index`. @throws StorageError `not_found`, or a corrupt StorageError. */
  async entry(index: number): Promise<Uint8Array> {
    const size = await this.#requireIndex(index);
    const bundleIndex = Math.floor(index / TILE_WIDTH);
    const position = index - bundleIndex * TILE_WIDTH;
    const bundle = await this.#readBundle(bundleIndex, tileWidth(0, bundleIndex, size));
    const start = bundlePrefixLength(bundle, position, bundleIndex);
    const length = bundle[start]! * 256 + bundle[start + 1]!;
    return bundle.slice(start + 2, start + 2 + length);
  }

  /** Returns the leaf hash of entry `index`. @throws StorageError `not_found`. */
  async leafHash(index: number): Promise<Uint8Array> {
    const size = await this.#requireIndex(index);
    const tileIndex = Math.floor(index / TILE_WIDTH);
    const hashes = await this.#readTile(0, tileIndex, tileWidth(0, tileIndex, size));
    const offset = (index - tileIndex * TILE_WIDTH) * HASH_SIZE;
    return hashes.slice(offset, offset + HASH_SIZE);
  }

  /**
   * Returns the inclusion proof of entry `index` in the tree of `size` (default: the latest).
   * @throws StorageError `not_found` for a size beyond the latest checkpoint; ProofError
   *   `index_out_of_range` for an index outside the tree.
   */
  async inclusionProof(index: number, size?: number): Promise<Uint8Array[]> {
    const treeSize = size ?? (await this.#latestSize());
    await this.#requireSize(treeSize);
    return proveInclusion(index, treeSize, this.#hashReader(treeSize));
  }

  /**
   * Returns the consistency proof from the tree of `size1` to the tree of `size2`.
   * @throws StorageError `not_found` if size2 is beyond the latest checkpoint; ProofError
   *   `size_mismatch` if size1 > size2.
   */
  async consistencyProof(size1: number, size2: number): Promise<Uint8Array[]> {
    await this.#requireSize(size2);
    return proveConsistency(size1, size2, this.#hashReader(size2));
  }

  /** Returns the number stored under an application index key, or undefined. */
  readIndexKey(key: Uint8Array): Promise<number | undefined> {
    return this.#storage.readIndexKey(key);
  }

  /** Lists up to `limit` application index keys starting with `prefix`, in byte order. */
  listIndexKeys(prefix: Uint8Array, limit: number): Promise<IndexKeyRecord[]> {
    return this.#storage.listIndexKeys(prefix, limit);
  }

  #hashReader(size: number) {
    return tileHashReader(size, (tile) => this.#readTileTree(tile.level, tile.index, tile.width));
  }

  /** Reads a tile at `width` without copying. */
  async #readTile(level: number, index: number, width: number): Promise<Uint8Array> {
    const tree = await this.#readTileTree(level, index, width);
    return tree.bytes.subarray(0, width * HASH_SIZE);
  }

  /**
   * Reads a tile with its interior hashes, from the cache when it contains the tile at `width` or
   * wider. A partial tile may be cached too: its first W hashes never change once written, and a
   * request for a width it lacks reads the store again.
   */
  async #readTileTree(level: number, index: number, width: number): Promise<TileTree> {
    const key = `${level}/${index}`;
    const cached = this.#tiles.get(key);
    if (cached !== undefined && cached.width >= width) return cached;
    const stored = await this.#storage.readTile(level, index);
    sliceTile(stored, level, index, width); // throws a corrupt StorageError for a missing or short tile
    const tree = new TileTree(stored!);
    this.#tiles.set(key, tree);
    return tree;
  }

  async #readBundle(index: number, width: number): Promise<Uint8Array> {
    const key = String(index);
    const cached = this.#bundles.get(key);
    if (cached !== undefined) return cached.subarray(0, bundlePrefixLength(cached, width, index));
    const stored = await readBundleAtWidth(this.#storage, index, width);
    if (width === TILE_WIDTH) this.#bundles.set(key, stored);
    return stored;
  }

  async #latestSize(): Promise<number> {
    return (await this.#storage.readLatestCheckpoint())?.size ?? 0;
  }

  async #requireSize(size: number): Promise<void> {
    checkStorageNumber('tree size', size);
    const latest = await this.#latestSize();
    if (size > latest) throw notFound(`tree size ${size} is beyond the latest checkpoint (size ${latest})`);
  }

  async #requireIndex(index: number): Promise<number> {
    checkStorageNumber('entry index', index);
    const size = await this.#latestSize();
    if (index >= size) throw notFound(`entry ${index} is beyond the latest checkpoint (size ${size})`);
    return size;
  }
}

function checkTileArguments(level: number, index: number, width: number): void {
  checkStorageNumber('tile index', index);
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new StorageError('invalid_argument', `tile level ${level} is not an integer in 0..${MAX_TILE_LEVEL}`);
  }
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new StorageError('invalid_argument', `tile width ${width} is not an integer in 1..${TILE_WIDTH}`);
  }
}

function notFound(message: string): StorageError {
  return new StorageError('not_found', message);
}

/** A bounded map that evicts the least recently used entry (Map keeps insertion order). */
class LruCache<V> {
  readonly #limit: number;
  readonly #map = new Map<string, V>();

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 0) {
      throw new StorageError('invalid_argument', `cache size ${limit} is not a non-negative integer`);
    }
    this.#limit = limit;
  }

  get(key: string): V | undefined {
    const value = this.#map.get(key);
    if (value === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    if (this.#limit === 0) return;
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#limit) this.#map.delete(this.#map.keys().next().value!);
  }
}
