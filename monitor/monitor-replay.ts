/**
 * The monitor's own registry: every verified entry is replayed through the registry rules and
 * actor signature checks (`Registry.append`), with the nonces kept in memory. With a
 * {@link VerifyPool}, the signatures are verified ahead on worker threads and the rules use
 * those results for the exact key, message and signature they check.
 */
import type { LoggedEnvelope } from '../registry/envelope.js';
import { RuleError } from '../registry/errors.js';
import { Registry, type AppendOptions } from '../registry/registry.js';
import type { AlarmCode, AlarmEvidence } from './alarms.js';
import { verifyBatchSignatures, type VerifiedBatch } from './replay-signatures.js';
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
 * Entries per request to the pool. While this thread replays one sub-batch, the workers verify
 * the next, so a sub-batch should be a few times the worker count (measured on 2 cores).
 */
const SUB_BATCH_SIZE = 64;

export class RegistryReplay {
  readonly registry = new Registry();
  readonly #nonces = new Set<string>();
  readonly #pool: VerifyPool | undefined;

  /** With a `pool`, {@link appendAll} verifies signatures on its worker threads. */
  constructor(pool?: VerifyPool) {
    this.#pool = pool;
  }

  /** Number of entries replayed. */
  get size(): number {
    return this.registry.state.size;
  }

  /**
   * Replays `leaves` as the next entries, in order, and stops at the first failure. With a pool,
   * the signatures of each sub-batch are verified on the workers while this thread replays the
   * sub-batch before it.
   * @throws VerifyPoolError when a worker fails; the entries replayed so far stay replayed.
   */
  async appendAll(leaves: readonly Uint8Array[]): Promise<BatchReplay> {
    const pool = this.#pool;
    if (pool === undefined) return this.#appendSlice(leaves, undefined);
    let appended = 0;
    let next = verifyBatchSignatures(this.registry.state, leaves.slice(0, SUB_BATCH_SIZE), pool);
    for (let start = 0; start < leaves.length; start += SUB_BATCH_SIZE) {
      const verified = await next;
      const end = Math.min(leaves.length, start + SUB_BATCH_SIZE);
      if (end < leaves.length) {
        next = verifyBatchSignatures(this.registry.state, leaves.slice(end, end + SUB_BATCH_SIZE), pool);
        // A rejection is read when the loop reaches it; this stops an unhandled-rejection report
        // if the replay stops at a failure before then.
        next.catch(() => undefined);
      }
      const outcome = this.#appendSlice(leaves.slice(start, end), verified);
      appended += outcome.appended;
      if (outcome.failure !== undefined) return { appended, failure: outcome.failure };
    }
    return { appended };
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
