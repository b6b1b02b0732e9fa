/**
 * Benchmark 1: appends per second through the sequencer, into LevelDB and into memory, next to the
 * bare hashing work of the same entries (leaf hash and compact-range append) as the ceiling.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CompactRange } from '../ledger/compact-range.js';
import { hashLeaf } from '../ledger/hash.js';
import { openLevelStorage } from '../ledger/level-storage.js';
import { openMemoryStorage } from '../ledger/memory-storage.js';
import { generatePrivateKey, noteSigner } from '../ledger/note.js';
import { openSequencer, type BatchHandler } from '../ledger/sequencer.js';
import type { LogStorage } from '../ledger/storage.js';
import { rate, timed } from './measure.js';

/** Submitters that each wait for their receipt before sending the next entry: enough to fill batches. */
const SUBMITTERS = 4096;
const BATCH_SIZE = 256;
// A second LevelDB run with larger batches shows how much of the gap is the synced write per batch.
const LARGE_BATCH_SIZE = 1024;
const BATCH_INTERVAL_MS = 5;

export interface AppendRun {
  entries: number;
  seconds: number;
  perSecond: number;
  /** Integrations that committed, and the mean number of entries each appended. */
  batches?: number;
  meanBatch?: number;
}

export interface SequencerResult {
  bare: AppendRun;
  memory: AppendRun;
  level: AppendRun;
  levelLargeBatch: AppendRun;
  /** LevelDB sequencer rate over the bare rate; the target is 0.5 or more. */
  levelToBare: number;
  memoryToBare: number;
  submitters: number;
  batchSize: number;
  largeBatchSize: number;
  batchIntervalMs: number;
}

/** Measures the three append paths over `size` entries taken in turn from `pool`. */
export async function benchSequencer(size: number, pool: readonly Uint8Array[]): Promise<SequencerResult> {
  const bare = appendBare(size, pool);
  const memory = await appendThroughSequencer(size, pool, openMemoryStorage(), BATCH_SIZE);
  const level = await appendIntoLevel(size, pool, BATCH_SIZE);
  const levelLargeBatch = await appendIntoLevel(size, pool, LARGE_BATCH_SIZE);
  return {
    bare,
    memory,
    level,
    levelLargeBatch,
    levelToBare: level.perSecond / bare.perSecond,
    memoryToBare: memory.perSecond / bare.perSecond,
    submitters: SUBMITTERS,
    batchSize: BATCH_SIZE,
    largeBatchSize: LARGE_BATCH_SIZE,
    batchIntervalMs: BATCH_INTERVAL_MS,
  };
}

/** The ceiling: only the hashing an append needs, with no tiles, bundles, signing or storage. */
function appendBare(size: number, pool: readonly Uint8Array[]): AppendRun {
  const range = new CompactRange();
  const start = performance.now();
  for (let i = 0; i < size; i++) range.append(hashLeaf(pool[i % pool.length]!));
  range.root();
  const seconds = (performance.now() - start) / 1000;
  return { entries: size, seconds, perSecond: rate(size, seconds) };
}

/** Runs the sequencer on a new LevelDB store in a temporary directory, removed afterwards. */
async function appendIntoLevel(size: number, pool: readonly Uint8Array[], batchSize: number): Promise<AppendRun> {
  const directory = await mkdtemp(path.join(tmpdir(), 'ecert-bench-sequencer-'));
  try {
    return await appendThroughSequencer(size, pool, await openLevelStorage(directory, { createIfMissing: true }), batchSize);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function appendThroughSequencer(
  size: number,
  pool: readonly Uint8Array[],
  storage: LogStorage,
  batchSize: number,
): Promise<AppendRun> {
  let batches = 0;
  // The trivial application: append every submission as it is.
  const handler: BatchHandler<Uint8Array> = {
    prepare: (items) => items.map((entry) => ({ entry })),
    committed: () => {
      batches++;
    },
  };
  const signer = noteSigner(generatePrivateKey('bench.localhost/log'));
  const sequencer = await openSequencer(storage, signer, handler, {
    batchSize,
    batchInterval: BATCH_INTERVAL_MS,
  });
  let next = 0;
  const submitter = async (): Promise<void> => {
    while (next < size) {
      const entry = pool[next % pool.length]!;
      next++;
      await sequencer.submit(entry);
    }
  };
  try {
    const { seconds } = await timed(() => Promise.all(Array.from({ length: SUBMITTERS }, submitter)));
    if (sequencer.size !== size) {
      throw new Error(`sequencer appended ${sequencer.size} entries, expected ${size}`);
    }
    return { entries: size, seconds, perSecond: rate(size, seconds), batches, meanBatch: size / batches };
  } finally {
    await sequencer.close();
    await storage.close();
  }
}
