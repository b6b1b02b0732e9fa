/**
 * The monitor's own LevelDB under `--state DIR`: the checkpoints it accepted, the right edge of
 * the tree it verified, the entry bundles it verified and the registry replay progress. Every
 * step of a catch-up is one atomic batch, so a monitor killed at any point resumes from the last
 * batch without reading from the hub again what that batch covers.
 *
 * The registry state itself is not stored. On start the monitor replays it from the entry bundles
 * in this store, which it verified before, never from the hub: that costs CPU (about the
 * signature checks of the whole log) but needs no snapshot format for the registry's tables.
 */
import { mkdirSync } from 'node:fs';

import { Level } from 'level';

import { HASH_SIZE } from '../ledger/hash.js';
import { StorageError } from '../ledger/errors.js';

/** A checkpoint the monitor accepted: signed by the log key and consistent with the earlier ones. */
export interface AcceptedCheckpoint {
  size: number;
  rootHash: Uint8Array;
  note: string;
  /** Roots of the complete subtrees of the right edge at `size`, for consistency proofs from it. */
  edge: Uint8Array[];
  /** The source that first served it. */
  source: string;
  /** Milliseconds since the Unix epoch. */
  acceptedAt: number;
}

/**
 * How far the monitor has verified. `size` may be past the latest accepted checkpoint while a
 * catch-up is under way: entries up to `size` matched their tiles, but no signed root covers
 * them yet.
 */
export interface Progress {
  size: number;
  /** Roots of the complete subtrees of the right edge at `size`, largest first. */
  edge: Uint8Array[];
  /**
   * Complete nodes right of the latest accepted checkpoint met so far, by "level/index": the
   * nodes the consistency proof from that checkpoint needs besides its edge and the new edge.
   */
  proofNodes: Record<string, Uint8Array>;
  /** Entries replayed into the registry. */
  replayedSize: number;
  /** Index of the entry that halted the replay, once one broke a rule. */
  replayHaltedAt?: number;
  /** Leaf hash of entry 0, once verified. */
  genesisLeafHash?: Uint8Array;
  /** Time the log last grew, in epoch milliseconds, and whether it ever grew while watched. */
  lastGrowthAt?: number;
  grew: boolean;
}

/** One atomic update of the store. */
export interface StateBatch {
  progress?: Progress;
  /** Verified entry bundles (full, or the partial edge bundle at its current width). */
  bundles?: readonly { index: number; bundle: Uint8Array }[];
  accepted?: AcceptedCheckpoint;
  /** Keys of alarms raised, so that a later poll does not raise them again. */
  alarms?: readonly { key: string; alarm: unknown }[];
}

const PROGRESS_KEY = 'progress';
const LATEST_KEY = 'latest';
// Sizes and bundle indexes below 2^53 have at most 16 decimal digits; padding keeps byte order.
const pad = (n: number): string => String(n).padStart(16, '0');
const checkpointKey = (size: number): string => `checkpoint/${pad(size)}`;
const bundleKey = (index: number): string => `bundle/${pad(index)}`;
const alarmKeyOf = (key: string): string => `alarm/${key}`;

type Database = Level<string, Uint8Array>;

export class MonitorStateStore {
  readonly #db: Database;

  private constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Opens (creating if needed) the store in directory `dir`. LevelDB's lock keeps a second
   * monitor off the same directory.
   * @throws StorageError `store_locked` or `open_failed`.
   */
  static async open(dir: string): Promise<MonitorStateStore> {
    mkdirSync(dir, { recursive: true });
    const db: Database = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED' ? 'store_locked' : 'open_failed';
      throw new StorageError(code, `cannot open the monitor state in ${dir}: ${(error as Error).message}`, { cause: error });
    }
    return new MonitorStateStore(db);
  }

  async close(): Promise<void> {
    await this.#db.close();
  }

  async readProgress(): Promise<Progress | undefined> {
    const bytes = await this.#db.get(PROGRESS_KEY);
    return bytes === undefined ? undefined : decodeProgress(bytes);
  }

  /** Returns the latest accepted checkpoint, or undefined before the first. */
  async readLatest(): Promise<AcceptedCheckpoint | undefined> {
    const bytes = await this.#db.get(LATEST_KEY);
    if (bytes === undefined) return undefined;
    return this.readAccepted(Number(new TextDecoder().decode(bytes)));
  }

  /** Returns the accepted checkpoint of `size`, or undefined. */
  async readAccepted(size: number): Promise<AcceptedCheckpoint | undefined> {
    const bytes = await this.#db.get(checkpointKey(size));
    return bytes === undefined ? undefined : decodeAccepted(bytes);
  }

  /** Returns the stored bundle `index`, or undefined. */
  async readBundle(index: number): Promise<Uint8Array | undefined> {
    return this.#db.get(bundleKey(index));
  }

  async hasAlarm(key: string): Promise<boolean> {
    return (await this.#db.get(alarmKeyOf(key))) !== undefined;
  }

  /** Counts the alarms recorded in the state, by this run and by earlier ones. */
  async countAlarms(): Promise<number> {
    let count = 0;
    // '0' is the character after '/', so the range covers exactly the keys under `alarm/`.
    for await (const _key of this.#db.keys({ gte: 'alarm/', lt: 'alarm0' })) count += 1;
    return count;
  }

  /** Writes the batch atomically; LevelDB syncs it before resolving. */
  async commit(batch: StateBatch): Promise<void> {
    const encoder = new TextEncoder();
    const operations: { type: 'put'; key: string; value: Uint8Array }[] = [];
    for (const { index, bundle } of batch.bundles ?? []) operations.push({ type: 'put', key: bundleKey(index), value: bundle });
    for (const { key, alarm } of batch.alarms ?? []) {
      operations.push({ type: 'put', key: alarmKeyOf(key), value: encoder.encode(JSON.stringify(alarm)) });
    }
    if (batch.accepted !== undefined) {
      operations.push({ type: 'put', key: checkpointKey(batch.accepted.size), value: encodeAccepted(batch.accepted) });
      operations.push({ type: 'put', key: LATEST_KEY, value: encoder.encode(String(batch.accepted.size)) });
    }
    if (batch.progress !== undefined) operations.push({ type: 'put', key: PROGRESS_KEY, value: encodeProgress(batch.progress) });
    if (operations.length > 0) await this.#db.batch(operations, { sync: true });
  }
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function fromB64(text: unknown, what: string): Uint8Array {
  const bytes = typeof text === 'string' ? new Uint8Array(Buffer.from(text, 'base64')) : undefined;
  if (bytes === undefined || bytes.length !== HASH_SIZE) {
    throw new StorageError('state_corrupt', `monitor state has an invalid ${what}`, { corrupt: true });
  }
  return bytes;
}

function encodeProgress(progress: Progress): Uint8Array {
  const proofNodes = Object.fromEntries(Object.entries(progress.proofNodes).map(([key, hash]) => [key, b64(hash)]));
  const record = {
    ...progress,
    edge: progress.edge.map(b64),
    proofNodes,
    genesisLeafHash: progress.genesisLeafHash === undefined ? undefined : b64(progress.genesisLeafHash),
  };
  return new TextEncoder().encode(JSON.stringify(record));
}

function decodeProgress(bytes: Uint8Array): Progress {
  const record = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  const edge = (record.edge as unknown[]).map((hash) => fromB64(hash, 'edge hash'));
  const proofNodes: Record<string, Uint8Array> = {};
  for (const [key, hash] of Object.entries(record.proofNodes as Record<string, unknown>)) proofNodes[key] = fromB64(hash, 'proof node');
  return {
    size: record.size as number,
    edge,
    proofNodes,
    replayedSize: record.replayedSize as number,
    replayHaltedAt: record.replayHaltedAt as number | undefined,
    genesisLeafHash: record.genesisLeafHash === undefined ? undefined : fromB64(record.genesisLeafHash, 'genesis leaf hash'),
    lastGrowthAt: record.lastGrowthAt as number | undefined,
    grew: record.grew === true,
  };
}

function encodeAccepted(checkpoint: AcceptedCheckpoint): Uint8Array {
  const record = { ...checkpoint, rootHash: b64(checkpoint.rootHash), edge: checkpoint.edge.map(b64) };
  return new TextEncoder().encode(JSON.stringify(record));
}

function decodeAccepted(bytes: Uint8Array): AcceptedCheckpoint {
  const record = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  return {
    size: record.size as number,
    rootHash: fromB64(record.rootHash, 'checkpoint root'),
    note: record.note as string,
    edge: (record.edge as unknown[]).map((hash) => fromB64(hash, 'edge hash')),
    source: record.source as string,
    acceptedAt: record.acceptedAt as number,
  };
}
