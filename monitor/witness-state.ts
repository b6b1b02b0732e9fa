/**
 * The witness's durable state: for each origin, the latest checkpoint it cosigned. It lives in
 * its own LevelDB directory, whose lock keeps a second witness process off the same state.
 */
import { Level } from 'level';

import { StorageError } from '../ledger/errors.js';
import { HASH_SIZE, sha256 } from '../ledger/hash.js';
import { decodeBase64Strict, encodeBase64 } from '../ledger/note.js';

/** The latest checkpoint cosigned for one origin. */
export interface WitnessRecord {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  /** The checkpoint note: its text, the log's verified signatures and the witness's cosignature. */
  note: string;
}

// Key layout: 'O' ‖ SHA-256(origin) → JSON {origin, size, rootHash (base64), note}. Keying by the
// hash serves GET /<hex SHA-256(origin)>/checkpoint with one lookup.
const ORIGIN_PREFIX = 0x4f; // 'O'

type Database = Level<Buffer, Buffer>;

/** Returns the lowercase hex SHA-256 of an origin, as the monitoring endpoint names it. */
export function originHash(origin: string): string {
  return Buffer.from(sha256(Buffer.from(origin, 'utf8'))).toString('hex');
}

export class WitnessStateStore {
  readonly #db: Database;
  /** The tail of each origin's queue of updates; updates of one origin run one at a time. */
  readonly #queues = new Map<string, Promise<unknown>>();

  private constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Opens (creating if needed) the state directory.
   * @throws StorageError `store_locked` when another process has it open, `open_failed` otherwise.
   */
  static async open(location: string): Promise<WitnessStateStore> {
    const db: Database = new Level<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      await db.open();
    } catch (error) {
      const code = (error as { code?: string }).code === 'LEVEL_LOCKED' ? 'store_locked' : 'open_failed';
      throw new StorageError(code, `cannot open the witness state ${location}: ${String((error as Error).cause ?? error)}`, {
        cause: error,
      });
    }
    return new WitnessStateStore(db);
  }

  /** Returns the latest cosigned checkpoint of `origin`, or undefined if it has none. */
  read(origin: string): Promise<WitnessRecord | undefined> {
    return this.readByOriginHash(originHash(origin));
  }

  /** Returns the record whose origin has this lowercase hex SHA-256, or undefined. */
  async readByOriginHash(hex: string): Promise<WitnessRecord | undefined> {
    if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
    const key = Buffer.concat([Buffer.from([ORIGIN_PREFIX]), Buffer.from(hex, 'hex')]);
    let value: Buffer | undefined;
    try {
      value = await this.#db.get(key);
    } catch (error) {
      throw new StorageError('read_failed', `reading the witness state for origin hash ${hex} failed`, { cause: error });
    }
    return value === undefined ? undefined : decodeRecord(value, hex);
  }

  /**
   * Runs `decide` on the origin's current record and stores what it returns, as one atomic
   * compare-and-store. Updates of one origin are queued, so no other update runs between the
   * read and the write. The write is synced to disk before this resolves, as
   * c2sp.org/tlog-witness requires. If `decide` throws, nothing is written.
   * @throws StorageError `size_regression` if the new record is smaller than the stored one.
   */
  update(origin: string, decide: (current: WitnessRecord | undefined) => WitnessRecord): Promise<WitnessRecord> {
    const previous = this.#queues.get(origin) ?? Promise.resolve();
    const run = previous.then(async () => {
      const current = await this.read(origin);
      const next = decide(current);
      // The protocol checks already keep sizes from going back; this guards the store itself.
      if (next.origin !== origin || (current !== undefined && next.size < current.size)) {
        throw new StorageError(
          'size_regression',
          `refusing to store size ${next.size} for ${JSON.stringify(origin)} over stored size ${current?.size}`,
        );
      }
      const key = Buffer.concat([Buffer.from([ORIGIN_PREFIX]), Buffer.from(originHash(origin), 'hex')]);
      try {
        await this.#db.put(key, encodeRecord(next), { sync: true });
      } catch (error) {
        throw new StorageError('write_failed', `storing size ${next.size} for ${JSON.stringify(origin)} failed`, { cause: error });
      }
      return next;
    });
    const tail = run.catch(() => undefined);
    this.#queues.set(origin, tail);
    // Drop the queue entry once idle, so the map holds only origins with updates in flight.
    void tail.then(() => {
      if (this.#queues.get(origin) === tail) this.#queues.delete(origin);
    });
    return run;
  }

  /** Waits for queued updates, then releases the directory and its lock. */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()]);
    await this.#db.close();
  }
}

function encodeRecord(record: WitnessRecord): Buffer {
  const json = { origin: record.origin, size: record.size, rootHash: encodeBase64(record.rootHash), note: record.note };
  return Buffer.from(JSON.stringify(json), 'utf8');
}

function decodeRecord(value: Buffer, hex: string): WitnessRecord {
  const corrupt = (why: string): StorageError =>
    new StorageError('corrupt_state', `witness state for origin hash ${hex} is corrupt: ${why}`, { corrupt: true });
  let json: { origin?: unknown; size?: unknown; rootHash?: unknown; note?: unknown };
  try {
    json = JSON.parse(value.toString('utf8')) as typeof json;
  } catch (error) {
    throw corrupt(`not JSON (${(error as Error).message})`);
  }
  const { origin, size, rootHash, note } = json;
  if (typeof origin !== 'string' || originHash(origin) !== hex) throw corrupt('origin does not match its key');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw corrupt(`size ${String(size)} is invalid`);
  const root = typeof rootHash === 'string' ? decodeBase64Strict(rootHash) : undefined;
  if (root === undefined || root.length !== HASH_SIZE) throw corrupt('root hash is not 32 bytes of base64');
  if (typeof note !== 'string') throw corrupt('note is missing');
  return { origin, size, rootHash: root, note };
}
