import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { Level } from 'level';
import { StorageError } from './errors.js';
import { HASH_SIZE } from './hash.js';
import {
  checkCheckpointOrder,
  checkIndexKeyArgument,
  checkStorageNumber,
  clampListLimit,
  validateBatch,
  type IndexKeyRecord,
  type LogStorage,
  type StorageBatch,
  type StoredCheckpoint,
} from './storage.js';

/*
 * Key layout. Numbers are 8-byte big-endian, so LevelDB's byte order is numeric order.
 *   'L'                          latest checkpoint: size(8) ‖ root(32) ‖ note (UTF-8)
 *   'C' ‖ size(8)                checkpoint of that size, same value as 'L'
 *   'T' ‖ level(1) ‖ index(8)    tile: its hashes concatenated, at its current width
 *   'E' ‖ index(8)               entry bundle, at its current width
 *   'I' ‖ key                    application index key: value(8)
 *   'S' ‖ size(8)                cosignature lines of that checkpoint, joined by '\n'
 */
const LATEST = Buffer.from('L');
const CHECKPOINT = 0x43; // 'C'
const TILE = 0x54; // 'T'
const BUNDLE = 0x45; // 'E'
const INDEX_KEY = 0x49; // 'I'
const COSIGNATURES = 0x53; // 'S'

type Database = Level<Buffer, Buffer>;
type Operation = { type: 'put'; key: Buffer; value: Buffer };

const WRITE_BUFFER_SIZE = 32 * 1024 * 1024;
const MAX_TABLE_FILE_SIZE = 32 * 1024 * 1024;

export interface LevelStorageOptions {
  /**
   * Creates an empty store when `location` contains none (default false). Only the creation of a
   * new log may set it: an existing log whose store went missing must fail to open, because an
   * empty store would let the sequencer sign a second tree under the same key.
   */
  createIfMissing?: boolean;
}

/**
 * Opens the LevelDB store in directory `location`. LevelDB's file lock keeps a second process, or
 * a second store in this process, off the same directory.
 *
 * NOTE: classic-level 3 has no read-only mode. Opening an existing store replays LevelDB's
 * write-ahead log and may write a new manifest, but without `createIfMissing` it never creates a
 * database and so never discards the files of one whose `CURRENT` file is lost.
 * @throws StorageError `store_missing` if `location` is missing or empty and `createIfMissing`
 *   is not set; `store_locked` if the directory is already open elsewhere; `open_failed` for
 *   any other failure to open (such as a lost `CURRENT` file); `read_failed` if the latest
 *   checkpoint cannot be read.
 */
export async function openLevelStorage(location: string, options: LevelStorageOptions = {}): Promise<LogStorage> {
  const createIfMissing = options.createIfMissing ?? false;
  if (!createIfMissing && (!existsSync(location) || readdirSync(location).length === 0)) {
    throw new StorageError('store_missing', `store ${location} is missing or empty`);
  }
  if (!createIfMissing && !existsSync(join(location, 'CURRENT'))) {
    // LevelDB's own message here reports only that the database does not exist.
    throw new StorageError(
      'open_failed',
      `store ${location} has files but no CURRENT file, which names LevelDB's manifest; the store is damaged, ` +
        'so restore it from a backup',
      { corrupt: true },
    );
  }
  const db: Database = new Level<Buffer, Buffer>(location, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    createIfMissing,
    // Each commit writes an entry bundle of up to ~150 KB. With LevelDB's 4 MiB write buffer and
    // 2 MiB tables, that data is flushed and compacted again every few dozen commits. 32 MiB of
    // each took the sequencer from ~56k to ~93k appends/s on 500k entries (npm run bench on the
    // 2-core development machine). The cost is up to two 32 MiB memtables of memory.
    writeBufferSize: WRITE_BUFFER_SIZE,
    maxFileSize: MAX_TABLE_FILE_SIZE,
  });
  try {
    await db.open();
  } catch (error) {
    if (hasCode(error, 'LEVEL_LOCKED')) {
      throw new StorageError(
        'store_locked',
        `store ${location} is locked by another process or an open store; stop it first`,
        { cause: error },
      );
    }
    throw new StorageError('open_failed', `cannot open store ${location}: ${rootMessage(error)}`, {
      cause: error,
      corrupt: hasCode(error, 'LEVEL_CORRUPTION'),
    });
  }
  try {
    const latest = await readKey(db, LATEST);
    return new LevelStorage(db, latest === undefined ? undefined : decodeCheckpoint(latest));
  } catch (error) {
    await db.close();
    throw error;
  }
}

class LevelStorage implements LogStorage {
  readonly #db: Database;
  #closed = false;
  // The latest checkpoint as of the last commit. LevelDB's lock makes this handle the store's only
  // writer, so the copy in memory stays equal to the stored one and reads need no LevelDB call.
  // Commits run one at a time, so the checkpoint order check reads the previous commit's size.
  #latest: StoredCheckpoint | undefined;
  #commits: Promise<void> = Promise.resolve();

  constructor(db: Database, latest: StoredCheckpoint | undefined) {
    this.#db = db;
    this.#latest = latest;
  }

  async readLatestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    this.#open();
    return this.#latest === undefined ? undefined : { ...this.#latest, rootHash: this.#latest.rootHash.slice() };
  }

  async readCheckpoint(size: number): Promise<StoredCheckpoint | undefined> {
    checkStorageNumber('checkpoint size', size);
    const value = await this.#get(numberKey(CHECKPOINT, size));
    return value === undefined ? undefined : decodeCheckpoint(value);
  }

  async listCheckpoints(fromSize: number, limit: number): Promise<StoredCheckpoint[]> {
    checkStorageNumber('checkpoint size', fromSize);
    const range = {
      gte: numberKey(CHECKPOINT, fromSize),
      lt: Buffer.from([CHECKPOINT + 1]),
      limit: clampListLimit(limit),
    };
    const found: StoredCheckpoint[] = [];
    await readRange(range.gte, range.lt, async () => {
      for await (const value of this.#open().values(range)) found.push(decodeCheckpoint(value));
    });
    return found;
  }

  async readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    checkStorageNumber('tile level', level);
    checkStorageNumber('tile index', index);
    if (level > 255) return undefined;
    return asBytes(await this.#get(tileKey(level, index)));
  }

  async readBundle(index: number): Promise<Uint8Array | undefined> {
    checkStorageNumber('bundle index', index);
    return asBytes(await this.#get(numberKey(BUNDLE, index)));
  }

  async readIndexKey(key: Uint8Array): Promise<number | undefined> {
    checkIndexKeyArgument(key, false);
    const value = await this.#get(indexKey(key));
    return value === undefined ? undefined : readNumber(value, 0);
  }

  async listIndexKeys(prefix: Uint8Array, limit: number): Promise<IndexKeyRecord[]> {
    checkIndexKeyArgument(prefix, true);
    const start = indexKey(prefix);
    const range = { gte: start, lt: successor(start), limit: clampListLimit(limit) };
    const found: IndexKeyRecord[] = [];
    await readRange(range.gte, range.lt, async () => {
      for await (const [key, value] of this.#open().iterator(range)) {
        found.push({ key: new Uint8Array(key.subarray(1)), value: readNumber(value, 0) });
      }
    });
    return found;
  }

  async readCosignatures(size: number): Promise<string[]> {
    checkStorageNumber('checkpoint size', size);
    const value = await this.#get(numberKey(COSIGNATURES, size));
    if (value === undefined || value.length === 0) return [];
    return value.toString('utf8').split('\n');
  }

  commit(batch: StorageBatch): Promise<void> {
    const run = this.#commits.then(() => this.#commit(batch));
    this.#commits = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#commits;
    await this.#db.close();
  }

  async #commit(batch: StorageBatch): Promise<void> {
    const db = this.#open();
    validateBatch(batch);
    checkCheckpointOrder(this.#latest?.size, batch);
    const operations = encodeBatch(batch);
    if (operations.length === 0) return;
    // Crash safety: this one synced LevelDB batch is the only durable write of a commit, and
    // LevelDB applies a batch whole or not at all (its log record carries a checksum). After a
    // crash the store is therefore exactly the last batch that returned, with tiles, bundles,
    // index keys and the checkpoint that covers them always in agreement.
    try {
      await db.batch(operations, { sync: true });
    } catch (error) {
      throw new StorageError('commit_failed', 'LevelDB batch write failed', { cause: error });
    }
    if (batch.checkpoint !== undefined) {
      const { size, rootHash, note } = batch.checkpoint;
      this.#latest = { size, rootHash: rootHash.slice(), note };
    }
  }

  #get(key: Buffer): Promise<Buffer | undefined> {
    return readKey(this.#open(), key);
  }

  #open(): Database {
    if (this.#closed) throw new StorageError('store_closed', 'LevelDB store is closed');
    return this.#db;
  }
}

/** Reads one key, turning a LevelDB failure (such as a damaged table file) into `read_failed`. */
async function readKey(db: Database, key: Buffer): Promise<Buffer | undefined> {
  try {
    return await db.get(key);
  } catch (error) {
    throw new StorageError('read_failed', `LevelDB read of key ${key.toString('hex')} failed: ${rootMessage(error)}`, {
      cause: error,
      corrupt: hasCode(error, 'LEVEL_CORRUPTION'),
    });
  }
}

/** Runs a range scan, turning a LevelDB failure into `read_failed` that names the key range. */
async function readRange(from: Buffer, to: Buffer, scan: () => Promise<void>): Promise<void> {
  try {
    await scan();
  } catch (error) {
    if (error instanceof StorageError) throw error;
    const range = `${from.toString('hex')}..${to.toString('hex')}`;
    throw new StorageError('read_failed', `LevelDB scan of keys ${range} failed: ${rootMessage(error)}`, {
      cause: error,
      corrupt: hasCode(error, 'LEVEL_CORRUPTION'),
    });
  }
}

// A plain Uint8Array view, so callers and test equality see the interface's type, not Buffer.
function asBytes(value: Buffer | undefined): Uint8Array | undefined {
  return value === undefined ? undefined : new Uint8Array(value.buffer, value.byteOffset, value.length);
}

function encodeBatch(batch: StorageBatch): Operation[] {
  const operations: Operation[] = [];
  const put = (key: Buffer, value: Uint8Array): void => {
    operations.push({ type: 'put', key, value: Buffer.from(value.buffer, value.byteOffset, value.length) });
  };
  for (const tile of batch.tiles ?? []) put(tileKey(tile.level, tile.index), tile.hashes);
  for (const bundle of batch.bundles ?? []) put(numberKey(BUNDLE, bundle.index), bundle.bundle);
  for (const record of batch.indexKeys ?? []) put(indexKey(record.key), numberBytes(record.value));
  if (batch.checkpoint !== undefined) {
    const value = encodeCheckpoint(batch.checkpoint);
    put(LATEST, value);
    put(numberKey(CHECKPOINT, batch.checkpoint.size), value);
  }
  for (const cosigned of batch.cosignatures ?? []) {
    put(numberKey(COSIGNATURES, cosigned.size), Buffer.from(cosigned.lines.join('\n'), 'utf8'));
  }
  return operations;
}

function encodeCheckpoint(checkpoint: StoredCheckpoint): Buffer {
  return Buffer.concat([
    numberBytes(checkpoint.size),
    checkpoint.rootHash,
    Buffer.from(checkpoint.note, 'utf8'),
  ]);
}

function decodeCheckpoint(value: Buffer): StoredCheckpoint {
  if (value.length <= 8 + HASH_SIZE) {
    throw new StorageError('corrupt_record', `stored checkpoint has ${value.length} bytes`, {
      corrupt: true,
    });
  }
  return {
    size: readNumber(value, 0),
    rootHash: new Uint8Array(value.subarray(8, 8 + HASH_SIZE)),
    note: value.subarray(8 + HASH_SIZE).toString('utf8'),
  };
}

function tileKey(level: number, index: number): Buffer {
  const key = Buffer.alloc(10);
  key[0] = TILE;
  key[1] = level;
  writeNumber(key, 2, index);
  return key;
}

function numberKey(tag: number, n: number): Buffer {
  const key = Buffer.alloc(9);
  key[0] = tag;
  writeNumber(key, 1, n);
  return key;
}

function indexKey(key: Uint8Array): Buffer {
  const full = Buffer.alloc(1 + key.length);
  full[0] = INDEX_KEY;
  full.set(key, 1);
  return full;
}

function numberBytes(n: number): Buffer {
  const bytes = Buffer.alloc(8);
  writeNumber(bytes, 0, n);
  return bytes;
}

// Split at 2^32 with arithmetic: the numbers go up to 2^53 and JS bit operators are 32-bit.
function writeNumber(target: Buffer, offset: number, n: number): void {
  target.writeUInt32BE(Math.floor(n / 2 ** 32), offset);
  target.writeUInt32BE(n % 2 ** 32, offset + 4);
}

function readNumber(source: Buffer, offset: number): number {
  if (source.length < offset + 8) {
    throw new StorageError('corrupt_record', `stored number has ${source.length - offset} bytes, want 8`, {
      corrupt: true,
    });
  }
  const n = source.readUInt32BE(offset) * 2 ** 32 + source.readUInt32BE(offset + 4);
  if (!Number.isSafeInteger(n)) {
    throw new StorageError('corrupt_record', `stored number ${n} is above 2^53`, { corrupt: true });
  }
  return n;
}

// The smallest key greater than every key that starts with `prefix` ('I' is never 0xff).
function successor(prefix: Buffer): Buffer {
  let end = prefix.length;
  while (prefix[end - 1] === 0xff) end--;
  const next = Buffer.from(prefix.subarray(0, end));
  next[end - 1] = next[end - 1]! + 1;
  return next;
}

/** Returns the message of the innermost cause, where LevelDB states what failed (`Corruption: …`). */
function rootMessage(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  return inner instanceof Error ? inner.message : String(inner);
}

function hasCode(error: unknown, code: string): boolean {
  for (let e = error; e instanceof Error; e = (e as Error).cause) {
    if ((e as Error & { code?: unknown }).code === code) return true;
  }
  return false;
}
