import { StorageError } from './errors.js';
import { HASH_SIZE } from './hash.js';

/**
 * The storage behind a tiled log (c2sp.org/tlog-tiles): tiles, entry bundles, signed
 * checkpoints, cosignatures and the application's index keys. Reads are plain lookups; the only
 * write is `commit`, one atomic batch that is durable when it resolves. Backends run the
 * conformance suite in test/ledger/storage-conformance.ts.
 *
 * Tiles and bundles are stored at their current width. A partial tile or bundle of width W is the
 * first W hashes or entries of any wider one, so the read side serves `.p/W` by slicing.
 */
export interface LogStorage {
  /** Returns the newest committed checkpoint, or undefined for an empty log. */
  readLatestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** Returns the checkpoint committed for tree size `size`, or undefined. */
  readCheckpoint(size: number): Promise<StoredCheckpoint | undefined>;
  /** Lists up to `limit` stored checkpoints with size >= `fromSize`, in increasing size. */
  listCheckpoints(fromSize: number, limit: number): Promise<StoredCheckpoint[]>;
  /** Returns tile (level, index) as stored: its hashes concatenated, at its current width. */
  readTile(level: number, index: number): Promise<Uint8Array | undefined>;
  /** Returns entry bundle `index` as stored (c2sp.org/tlog-tiles encoding, current width). */
  readBundle(index: number): Promise<Uint8Array | undefined>;
  /** Returns the number stored under an application index key, or undefined. */
  readIndexKey(key: Uint8Array): Promise<number | undefined>;
  /** Lists up to `limit` index keys that start with `prefix`, in byte order of the keys. */
  listIndexKeys(prefix: Uint8Array, limit: number): Promise<IndexKeyRecord[]>;
  /** Returns the cosignature lines stored for the checkpoint of size `size` (empty if none). */
  readCosignatures(size: number): Promise<string[]>;
  /**
   * Writes the whole batch atomically and durably (synced to disk before resolving), or nothing.
   * Throws StorageError `invalid_batch` before writing anything if any part is malformed.
   */
  commit(batch: StorageBatch): Promise<void>;
  /** Releases the store (and its lock); later calls throw StorageError `store_closed`. */
  close(): Promise<void>;
}

/** A signed checkpoint as stored: its size and root, and the whole signed note text. */
export interface StoredCheckpoint {
  size: number;
  rootHash: Uint8Array;
  note: string;
}

/** One application index key and the number stored under it. */
export interface IndexKeyRecord {
  key: Uint8Array;
  value: number;
}

/** A tile to store: `hashes` is 1..256 hashes of 32 bytes, concatenated. */
export interface TileWrite {
  level: number;
  index: number;
  hashes: Uint8Array;
}

/** An entry bundle to store, already encoded (c2sp.org/tlog-tiles entry bundle). */
export interface BundleWrite {
  index: number;
  bundle: Uint8Array;
}

/** Everything one commit writes. Every part is optional; an empty batch writes nothing. */
export interface StorageBatch {
  tiles?: readonly TileWrite[];
  bundles?: readonly BundleWrite[];
  indexKeys?: readonly IndexKeyRecord[];
  /** Becomes the latest checkpoint and the checkpoint of its size. */
  checkpoint?: StoredCheckpoint;
  /** Replaces the cosignature lines stored for each given checkpoint size. */
  cosignatures?: readonly { size: number; lines: readonly string[] }[];
}

/** Highest tile level c2sp.org/tlog-tiles allows; trees below 2^53 leaves use levels 0..6. */
export const MAX_TILE_LEVEL = 63;
/** Largest stored tile: 256 hashes. */
export const MAX_TILE_BYTES = 256 * HASH_SIZE;
/** Largest stored bundle: 256 entries of 65,535 bytes, each with its 2-byte length. */
export const MAX_BUNDLE_BYTES = 256 * (65_535 + 2);
/** Maximum length of an application index key, in bytes. */
export const MAX_INDEX_KEY_BYTES = 1024;
/** Maximum length of a stored checkpoint note or cosignature line, in UTF-16 code units. */
export const MAX_NOTE_LENGTH = 1 << 20;
/** Maximum rows one list call returns, whatever `limit` the caller passes. */
export const MAX_LIST_LIMIT = 10_000;

/**
 * Checks every part of a batch before a backend writes anything, so a malformed batch leaves the
 * store untouched. The batch comes from the sequencer and the application, not from clients, but a
 * bug there must not corrupt the store.
 * @throws StorageError `invalid_batch` naming the first malformed part.
 */
export function validateBatch(batch: StorageBatch): void {
  for (const tile of batch.tiles ?? []) {
    checkLevel(tile.level);
    checkNumber('tile index', tile.index);
    const bytes = tile.hashes;
    if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > MAX_TILE_BYTES) {
      invalid(`tile ${tile.level}/${tile.index} has ${bytes?.length} bytes, want 32..8192`);
    }
    if (bytes.length % HASH_SIZE !== 0) {
      invalid(`tile ${tile.level}/${tile.index} has ${bytes.length} bytes, not a multiple of 32`);
    }
  }
  for (const bundle of batch.bundles ?? []) {
    checkNumber('bundle index', bundle.index);
    const bytes = bundle.bundle;
    if (!(bytes instanceof Uint8Array) || bytes.length < 2 || bytes.length > MAX_BUNDLE_BYTES) {
      invalid(`bundle ${bundle.index} has ${bytes?.length} bytes, want 2..${MAX_BUNDLE_BYTES}`);
    }
  }
  for (const record of batch.indexKeys ?? []) {
    checkIndexKey(record.key);
    checkNumber('index key value', record.value);
  }
  if (batch.checkpoint !== undefined) checkCheckpoint(batch.checkpoint);
  for (const cosigned of batch.cosignatures ?? []) {
    checkNumber('cosignature size', cosigned.size);
    for (const line of cosigned.lines) {
      if (typeof line !== 'string' || line.length === 0 || line.length > MAX_NOTE_LENGTH) {
        invalid(`cosignature line for size ${cosigned.size} is empty or too long`);
      }
      if (line.includes('\n')) invalid(`cosignature line for size ${cosigned.size} contains a newline`);
    }
  }
}

/**
 * Rejects a checkpoint smaller than the latest stored one, because a log never goes back.
 * @throws StorageError `invalid_batch`.
 */
export function checkCheckpointOrder(latestSize: number | undefined, batch: StorageBatch): void {
  const size = batch.checkpoint?.size;
  if (size !== undefined && latestSize !== undefined && size < latestSize) {
    invalid(`checkpoint size ${size} is below the latest stored size ${latestSize}`);
  }
}

/** @throws StorageError `invalid_argument` unless `n` is an integer in 0..2^53-1. */
export function checkStorageNumber(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new StorageError('invalid_argument', `${what} ${n} is not an integer in 0..2^53-1`);
  }
}

/** @throws StorageError `invalid_argument` for an empty or oversized index key or prefix. */
export function checkIndexKeyArgument(key: Uint8Array, allowEmpty: boolean): void {
  const ok = key instanceof Uint8Array && key.length <= MAX_INDEX_KEY_BYTES;
  if (!ok || (!allowEmpty && key.length === 0)) {
    throw new StorageError(
      'invalid_argument',
      `index key of ${key?.length} bytes is invalid, want ${allowEmpty ? 0 : 1}..${MAX_INDEX_KEY_BYTES}`,
    );
  }
}

/** Clamps a list limit to 1..MAX_LIST_LIMIT. @throws StorageError `invalid_argument`. */
export function clampListLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new StorageError('invalid_argument', `list limit ${limit} is not a positive integer`);
  }
  return Math.min(limit, MAX_LIST_LIMIT);
}

function checkCheckpoint(checkpoint: StoredCheckpoint): void {
  checkNumber('checkpoint size', checkpoint.size);
  const root = checkpoint.rootHash;
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) {
    invalid(`checkpoint root hash has ${root?.length} bytes, want 32`);
  }
  const note = checkpoint.note;
  if (typeof note !== 'string' || note.length === 0 || note.length > MAX_NOTE_LENGTH) {
    invalid(`checkpoint note of size ${checkpoint.size} is empty or too long`);
  }
}

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    invalid(`tile level ${level} is not an integer in 0..${MAX_TILE_LEVEL}`);
  }
}

function checkNumber(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) invalid(`${what} ${n} is not an integer in 0..2^53-1`);
}

function checkIndexKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length === 0 || key.length > MAX_INDEX_KEY_BYTES) {
    invalid(`index key of ${key?.length} bytes is invalid, want 1..${MAX_INDEX_KEY_BYTES}`);
  }
}

function invalid(message: string): never {
  throw new StorageError('invalid_batch', message);
}

/**
 * Reads tile (level, index) at `width` hashes by slicing the stored tile, which may be wider.
 * Callers pass only widths that a committed checkpoint implies, so a missing or narrower tile
 * means the store lost data.
 * @throws StorageError `tile_missing` or `tile_short`, both `corrupt`.
 */
export async function readTileAtWidth(
  storage: LogStorage,
  level: number,
  index: number,
  width: number,
): Promise<Uint8Array> {
  return sliceTile(await storage.readTile(level, index), level, index, width);
}

/**
 * Returns the first `width` hashes of a stored tile (as read by `LogStorage.readTile`).
 * @throws StorageError `tile_missing` or `tile_short`, both `corrupt`.
 */
export function sliceTile(
  stored: Uint8Array | undefined,
  level: number,
  index: number,
  width: number,
): Uint8Array {
  const where = `tile ${level}/${index}`;
  if (stored === undefined) {
    throw new StorageError('tile_missing', `${where} is missing from the store`, { corrupt: true });
  }
  const want = width * HASH_SIZE;
  if (stored.length < want || stored.length % HASH_SIZE !== 0) {
    throw new StorageError('tile_short', `${where} has ${stored.length} bytes, want at least ${want}`, {
      corrupt: true,
    });
  }
  return stored.subarray(0, want);
}

/**
 * Reads entry bundle `index` at `width` entries by slicing the stored bundle, which may be wider.
 * @throws StorageError `bundle_missing` or `bundle_short`, both `corrupt`.
 */
export async function readBundleAtWidth(
  storage: LogStorage,
  index: number,
  width: number,
): Promise<Uint8Array> {
  const stored = await storage.readBundle(index);
  if (stored === undefined) {
    throw new StorageError('bundle_missing', `bundle ${index} is missing from the store`, {
      corrupt: true,
    });
  }
  return stored.subarray(0, bundlePrefixLength(stored, width, index));
}

/**
 * Returns the byte length of the first `width` entries of an encoded bundle, walking the 2-byte
 * length prefixes (c2sp.org/tlog-tiles) without copying any entry.
 * @throws StorageError `bundle_short` (`corrupt`) if the bundle contains fewer entries.
 */
export function bundlePrefixLength(bundle: Uint8Array, width: number, index: number): number {
  let offset = 0;
  for (let i = 0; i < width; i++) {
    const start = offset + 2;
    if (start > bundle.length) return bundleShort(index, i, width);
    offset = start + bundle[offset]! * 256 + bundle[offset + 1]!;
    if (offset > bundle.length) return bundleShort(index, i, width);
  }
  return offset;
}

function bundleShort(index: number, complete: number, width: number): never {
  throw new StorageError(
    'bundle_short',
    `bundle ${index} contains ${complete} complete entries, want at least ${width}`,
    { corrupt: true },
  );
}
