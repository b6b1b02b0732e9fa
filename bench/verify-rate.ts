/**
 * Rates behind the monitor catch-up figure, measured on the leaves of the benchmark log. They are
 * Ed25519 verification with node:crypto on one thread and on the monitor's worker pool, the
 * main-thread steps of the replay (leaf decoding, signing message), and the in-process registry
 * replay, inline and with the pool.
 */
import { ed25519Verify } from '../ledger/note.js';
import { RegistryReplay, type PreparedLeaves } from '../monitor/monitor-replay.js';
import { VerifyPool, type SignatureCheck } from '../monitor/verify-pool.js';
import { decodeBase64 } from '../registry/encoding.js';
import { decodeLeaf, signingMessage } from '../registry/envelope.js';
import { Registry } from '../registry/registry.js';

/** Rates in operations per second. */
export interface VerifyRates {
  /** Entries whose signatures were measured (the log's entries after its setup). */
  sampleEntries: number;
  /** Mean signing message size in bytes. */
  meanMessageBytes: number;
  singleThreadVerifyPerSecond: number;
  poolThreads: number;
  poolVerifyPerSecond: number;
  decodeLeafPerSecond: number;
  signingMessagePerSecond: number;
  /** `RegistryReplay.appendAll` over the same leaves, signatures inline, in this process. */
  replayInlinePerSecond: number;
  /** The same with the worker pool. */
  replayPoolPerSecond: number;
}

/** Minimum time per measurement; each repeats its whole sample until this passes. */
const MIN_MEASURE_MS = 3000;

/**
 * Measures the rates on `leaves`, the first entries of a log from its genesis (the replay needs
 * the setup entries, and the signature samples come from every entry signed by a known actor).
 */
export async function measureVerifyRates(leaves: readonly Uint8Array[]): Promise<VerifyRates> {
  const checks = signatureChecks(leaves);
  const envelopes = leaves.map((leaf) => decodeLeaf(leaf));
  const decodeLeafPerSecond = repeatRate(() => leaves.forEach((leaf) => decodeLeaf(leaf)), leaves.length);
  const signingMessagePerSecond = repeatRate(() => envelopes.forEach((envelope) => signingMessage(envelope)), leaves.length);
  const singleThreadVerifyPerSecond = repeatRate(() => {
    for (const check of checks) {
      if (!ed25519Verify(check.publicKey, check.message, check.signature)) throw new Error('benchmark signature does not verify');
    }
  }, checks.length);

  const pool = new VerifyPool();
  try {
    const poolVerifyPerSecond = await poolRate(pool, checks);
    const replayInlinePerSecond = await replayRate(leaves, undefined);
    const replayPoolPerSecond = await replayRate(leaves, pool);
    return {
      sampleEntries: checks.length,
      meanMessageBytes: Math.round(checks.reduce((sum, check) => sum + check.message.length, 0) / checks.length),
      singleThreadVerifyPerSecond,
      poolThreads: pool.threads,
      poolVerifyPerSecond,
      decodeLeafPerSecond,
      signingMessagePerSecond,
      replayInlinePerSecond,
      replayPoolPerSecond,
    };
  } finally {
    await pool.close();
  }
}

/** Builds the (message, signature, key) of each entry whose signer is registered in the replayed state. */
function signatureChecks(leaves: readonly Uint8Array[]): SignatureCheck[] {
  const registry = Registry.replay(leaves);
  const checks: SignatureCheck[] = [];
  for (const leaf of leaves) {
    const envelope = decodeLeaf(leaf);
    const record = registry.state.actorAt(envelope.actor);
    if (record === undefined || envelope.kind === 'log.genesis') continue;
    checks.push({ message: signingMessage(envelope), signature: decodeBase64(envelope.sig, 'sig'), publicKey: record.key.publicKey });
  }
  return checks;
}

/** Runs `round` (which does `operations` operations) until MIN_MEASURE_MS passes, after one warm-up round. */
function repeatRate(round: () => void, operations: number): number {
  round();
  const started = performance.now();
  let rounds = 0;
  while (performance.now() - started < MIN_MEASURE_MS) {
    round();
    rounds++;
  }
  return Math.round((rounds * operations * 1000) / (performance.now() - started));
}

/** Keeps 2 × threads batches in flight, so the workers do not wait for the main thread between batches. */
async function poolRate(pool: VerifyPool, checks: readonly SignatureCheck[]): Promise<number> {
  const batch = checks.slice(0, 256);
  await pool.verify(batch);
  const started = performance.now();
  let verified = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() - started < MIN_MEASURE_MS) {
      const results = await pool.verify(batch);
      if (results.some((valid) => !valid)) throw new Error('benchmark signature does not verify on the pool');
      verified += results.length;
    }
  };
  await Promise.all(Array.from({ length: 2 * pool.threads }, lane));
  return Math.round((verified * 1000) / (performance.now() - started));
}

/** Bundles the replay measurement sends to the pool ahead of the rules, as the monitor does. */
const REPLAY_AHEAD_BUNDLES = 4;

/**
 * Replays `leaves` in bundles of 256 the way the monitor does, with the pool's leaf decoding
 * and signature checks up to REPLAY_AHEAD_BUNDLES bundles ahead, and returns entries per second.
 */
async function replayRate(leaves: readonly Uint8Array[], pool: VerifyPool | undefined): Promise<number> {
  const replay = new RegistryReplay(pool);
  const started = performance.now();
  const ahead: PreparedLeaves[] = [];
  let next = 0;
  while (replay.size < leaves.length) {
    while (ahead.length < REPLAY_AHEAD_BUNDLES && next < leaves.length) {
      ahead.push(replay.prepare(leaves.slice(next, next + 256)));
      next += 256;
    }
    const { failure } = await replay.appendPrepared(ahead.shift()!);
    if (failure !== undefined) throw new Error(`benchmark entry ${replay.size} does not replay: ${failure.message}`);
  }
  return Math.round((leaves.length * 1000) / (performance.now() - started));
}
