/**
 * Benchmark 2: inclusion proofs per second from a LevelDB log of `size` entries through
 * LogReader, with a warm tile cache, the default cache and no cache on a reopened store, and the
 * rate at which verifyInclusion checks them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatCheckpoint } from '../ledger/checkpoint.js';
import { openLevelStorage } from '../ledger/level-storage.js';
import { LogReader } from '../ledger/log.js';
import { generatePrivateKey, noteSigner, signNote } from '../ledger/note.js';
import { verifyInclusion } from '../ledger/proof.js';
import type { LogStorage } from '../ledger/storage.js';
import { TileWriter } from '../ledger/tile-writer.js';
import { rate, seededRandom, timed } from './measure.js';

/** Entries per commit while building the log: 256 full bundles, about 140 MB with 540-byte entries. */
const BUILD_COMMIT_ENTRIES = 65_536;
/** Random indexes each proof run asks for; at about 1,000 proofs/s a run takes a few seconds. */
const PROOF_SAMPLES = 3_000;
/** Passes of verifyInclusion over the sampled proofs, so the timed loop runs long enough. */
const VERIFY_ROUNDS = 10;
/** Proof requests in flight in the concurrent run, as an HTTP server would have. */
const CONCURRENT_REQUESTS = 64;
const ORIGIN = 'bench.localhost/log';

export interface ProofRun {
  proofs: number;
  seconds: number;
  perSecond: number;
}

export interface ProofResult {
  size: number;
  build: { seconds: number; entriesPerSecond: number; commits: number };
  /** Every tile in the reader's cache after one pass over the same indexes. */
  warm: ProofRun;
  /** LogReader's default cache (4096 tiles) on the open store, first pass. */
  defaultCache: ProofRun;
  /** Reopened store, reader cache off: every node comes from a LevelDB read. */
  uncached: ProofRun;
  /** Reopened store, reader cache off, 64 proofs in flight at a time. */
  uncachedConcurrent: ProofRun;
  verify: ProofRun;
  meanProofHashes: number;
}

/** Builds a LevelDB log of `size` entries from `pool`, then times proofs against it. */
export async function benchProofs(size: number, pool: readonly Uint8Array[]): Promise<ProofResult> {
  const directory = await mkdtemp(path.join(tmpdir(), 'ecert-bench-proofs-'));
  try {
    let storage = await openLevelStorage(directory, { createIfMissing: true });
    const build = await buildLog(storage, size, pool);
    const random = seededRandom(9162);
    const indexes = Array.from({ length: PROOF_SAMPLES }, () => Math.floor(random() * size));

    const defaultCache = await proveAll(new LogReader(storage), indexes, size, 1);
    const warmReader = new LogReader(storage, { tileCacheSize: Math.ceil(size / 256) + 64 });
    await proveAll(warmReader, indexes, size, 1);
    const warm = await proveAll(warmReader, indexes, size, 1);
    const verify = await verifyAll(warmReader, indexes, size);

    await storage.close();
    storage = await openLevelStorage(directory);
    const uncached = await proveAll(new LogReader(storage, { tileCacheSize: 0 }), indexes, size, 1);
    const uncachedConcurrent = await proveAll(
      new LogReader(storage, { tileCacheSize: 0 }),
      indexes,
      size,
      CONCURRENT_REQUESTS,
    );
    await storage.close();
    return { size, build, warm, defaultCache, uncached, uncachedConcurrent, ...verify };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/**
 * Fills the store the way the sequencer would, but in commits of BUILD_COMMIT_ENTRIES entries
 * and without a checkpoint until the last commit, so building 1M entries takes seconds.
 */
async function buildLog(
  storage: LogStorage,
  size: number,
  pool: readonly Uint8Array[],
): Promise<ProofResult['build']> {
  const signer = noteSigner(generatePrivateKey(ORIGIN));
  let commits = 0;
  const { seconds } = await timed(async () => {
    let writer = TileWriter.empty();
    while (writer.size < size) {
      const count = Math.min(BUILD_COMMIT_ENTRIES, size - writer.size);
      const entries = Array.from({ length: count }, (_, i) => pool[(writer.size + i) % pool.length]!);
      const growth = writer.grow(entries);
      writer = growth.next;
      const last = writer.size === size;
      const rootHash = writer.root();
      const note = signNote(formatCheckpoint({ origin: ORIGIN, size, rootHash, extensions: [] }), [signer]);
      await storage.commit({
        tiles: growth.tiles,
        bundles: growth.bundles,
        ...(last ? { checkpoint: { size, rootHash, note } } : {}),
      });
      commits++;
    }
  });
  return { seconds, entriesPerSecond: rate(size, seconds), commits };
}

/** Asks `reader` for the proof of every index, `parallel` requests at a time. */
async function proveAll(
  reader: LogReader,
  indexes: readonly number[],
  size: number,
  parallel: number,
): Promise<ProofRun> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < indexes.length) {
      const index = indexes[next++]!;
      await reader.inclusionProof(index, size);
    }
  };
  const { seconds } = await timed(() => Promise.all(Array.from({ length: parallel }, worker)));
  return { proofs: indexes.length, seconds, perSecond: rate(indexes.length, seconds) };
}

/** Fetches each proof and leaf hash once, then times VERIFY_ROUNDS passes of verifyInclusion. */
async function verifyAll(
  reader: LogReader,
  indexes: readonly number[],
  size: number,
): Promise<{ verify: ProofRun; meanProofHashes: number }> {
  const root = (await reader.checkpoint(size)).rootHash;
  const cases: { index: number; leafHash: Uint8Array; proof: Uint8Array[] }[] = [];
  let hashes = 0;
  for (const index of indexes) {
    const proof = await reader.inclusionProof(index, size);
    hashes += proof.length;
    cases.push({ index, leafHash: await reader.leafHash(index), proof });
  }
  const { seconds } = await timed(() => {
    for (let round = 0; round < VERIFY_ROUNDS; round++) {
      for (const { index, leafHash, proof } of cases) verifyInclusion(index, size, leafHash, proof, root);
    }
  });
  const checked = cases.length * VERIFY_ROUNDS;
  return {
    verify: { proofs: checked, seconds, perSecond: rate(checked, seconds) },
    meanProofHashes: hashes / cases.length,
  };
}
