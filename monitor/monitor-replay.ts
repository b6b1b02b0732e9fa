/**
 * The monitor's own registry: every verified entry is replayed through the registry rules and
 * actor signature checks (`Registry.append`), with the nonces kept in memory. With a
 * {@link VerifyPool}, worker threads decode the leaves and verify their signatures ahead, and
 * the rules, still on this thread and in log order, use those results for the exact key,
 * message and signature they check.
 */
import type { LoggedEnvelope } from '../registry/envelope.js';
import { RuleError } from '../registry/errors.js';
import { Registry, type AppendOptions } from '../registry/registry.js';
import type { AlarmCode, AlarmEvidence } from './alarms.js';
import { prepareBatch, WorkerKeyTable, type VerifiedBatch } from './replay-signatures.js';
import type { VerifyPool } from './verify-pool.js';

/** An entry the registry rejects. */
export interface ReplayFailure {
  code: AlarmCode;
  message: string;
  evidence: AlarmEvidence;
}

/** Outcome of {@link RegistryReplay.appendAll}. */
export interface BatchReplay {
  /** Entries that passed, from the start of the batch. */
  appended: number;
  /** The failure of the entry after them, if any. */
  failure?: ReplayFailure;
}

/**
 * Entries per request to the pool. This thread replays the sub-batches of a prepared range in
 * order as each arrives, so smaller ones start the rules sooner, and larger ones cost fewer
 * messages. 256 is one full entry bundle. In the monitor catch-up benchmark on 2 cores, the
 * resumed run took 168 µs of CPU per entry with 256 and 177 to 179 µs with 64. Its wall time
 * varied more with the machine's other load than with this value (docs/BENCHMARKS.md).
 */
const SUB_BATCH_SIZE = 256;

/** Leaves sent to the workers ahead of the replay; {@link RegistryReplay.appendPrepared} replays them. */
export interface PreparedLeaves {
  leaves: readonly Uint8Array[];
  /** One batch per sub-batch of `leaves`, in order; empty without a pool. */
  batches: Promise<VerifiedBatch>[];
}

export class RegistryReplay {
  readonly registry = new Registry();
  readonly #nonces = new Set<string>();
  readonly #pool: VerifyPool | undefined;
  readonly #keys: WorkerKeyTable | undefined;

  /** With a `pool`, {@link appendAll} and {@link prepare} decode and verify on its worker threads. */
  constructor(pool?: VerifyPool) {
    this.#pool = pool;
    this.#keys = pool === undefined ? undefined : new WorkerKeyTable(pool);
  }

  /** Number of entries replayed. */
  get size(): number {
    return this.registry.state.size;
  }

  /**
   * Sends `leaves` to the workers now, so they decode and verify them while this thread does
   * other work. Pass the result to {@link appendPrepared} once the replay reaches them. The
   * workers use the actor keys of the entries replayed so far.
   */
  prepare(leaves: readonly Uint8Array[]): PreparedLeaves {
    const pool = this.#pool;
    const batches: Promise<VerifiedBatch>[] = [];
    if (pool === undefined) return { leaves, batches };
    for (let start = 0; start < leaves.length; start += SUB_BATCH_SIZE) {
      const batch = prepareBatch(pool, this.#keys!, leaves.slice(start, start + SUB_BATCH_SIZE));
      // A rejection is read when the replay reaches this batch. This handler stops an
      // unhandled-rejection report when the replay stops at a failure, or is dropped, before then.
      batch.catch(() => undefined);
      batches.push(batch);
    }
    return { leaves, batches };
  }

  /**
   * Replays prepared leaves as the next entries, in order, and stops at the first failure.
   * @throws VerifyPoolError when a worker fails; the entries replayed so far stay replayed.
   */
  async appendPrepared(prepared: PreparedLeaves): Promise<BatchReplay> {
    const { leaves, batches } = prepared;
    if (batches.length === 0) return this.#appendSlice(leaves, undefined);
    let appended = 0;
    for (let b = 0; b < batches.length; b++) {
      const verified = await batches[b]!;
      const start = b * SUB_BATCH_SIZE;
      const outcome = this.#appendSlice(leaves.slice(start, start + SUB_BATCH_SIZE), verified);
      appended += outcome.appended;
      if (outcome.failure !== undefined) return { appended, failure: outcome.failure };
    }
    return { appended };
  }

  /**
   * Replays `leaves` as the next entries, in order, and stops at the first failure. With a pool,
   * the workers decode and verify every sub-batch while this thread replays the ones before.
   * @throws VerifyPoolError when a worker fails; the entries replayed so far stay replayed.
   */
  appendAll(leaves: readonly Uint8Array[]): Promise<BatchReplay> {
    return this.appendPrepared(this.prepare(leaves));
  }

  /**
   * Replays `entry` as the next index, verifying its signature inline. Returns undefined when it
   * passes, or the failure. After a failure the registry stays at the entry before it, because
   * the rules define no state past an entry the hub must not have logged.
   */
  append(entry: Uint8Array): ReplayFailure | undefined {
    return this.#appendOne(entry, undefined, {});
  }

  #appendSlice(leaves: readonly Uint8Array[], verified: VerifiedBatch | undefined): BatchReplay {
    const options: AppendOptions = verified === undefined ? {} : { verifiedSignatures: verified.results };
    for (let i = 0; i < leaves.length; i++) {
      const failure = this.#appendOne(leaves[i]!, verified?.envelopes[i], options);
      if (failure !== undefined) return { appended: i, failure };
    }
    return { appended: leaves.length };
  }

  /** Appends `entry`, or `decoded` (the same leaf, decoded ahead) when given. */
  #appendOne(entry: Uint8Array, decoded: LoggedEnvelope | undefined, options: AppendOptions): ReplayFailure | undefined {
    const index = this.size;
    try {
      const change = this.registry.append(decoded ?? entry, (actor, nonce) => this.#nonces.has(`${actor}\n${nonce}`), options);
      this.#nonces.add(`${change.actor}\n${change.nonce}`);
      this.#keys?.track(this.registry.state, change.actor);
      if (index % 1024 === 1023) this.registry.releaseUndo(index + 1);
      return undefined;
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      const code: AlarmCode = error.code === 'invalid_signature' ? 'invalid_actor_signature' : 'rule_violation';
      return {
        code,
        message: error.message,
        evidence: {
          index,
          ruleCode: error.code,
          ruleMessage: error.message,
          ruleEvidence: JSON.stringify(error.evidence),
          entry: Buffer.from(entry).toString('base64'),
        },
      };
    }
  }
}
