import { decodeLeaf, type LoggedEnvelope, type SignedEnvelope } from './envelope.js';
import { RuleError } from './errors.js';
import type { StateChange } from './records.js';
import { evaluateEntry, tryEvaluateEntry, type NonceLookup } from './rules.js';
import type { SignatureResults } from './signature-results.js';
import { RegistryState } from './state.js';

/** Options of {@link Registry.append}. */
export interface AppendOptions {
  /**
   * Signature results computed ahead, for example on worker threads. The rules use a result
   * only for the exact message, signature and key they would verify, and verify inline otherwise.
   */
  verifiedSignatures?: SignatureResults;
}

/**
 * The hub's records: the state and the rules that extend it. The hub evaluates each
 * submission at the next index, applies the change when it stages the entry, and
 * truncates the staged entries if their commit fails. Readers and monitors rebuild the
 * state with {@link Registry.replay}.
 */
export class Registry {
  readonly state = new RegistryState();

  /** Decides `envelope` as the next entry; returns its change or the RuleError it breaks. */
  evaluate(envelope: SignedEnvelope, loggedAt: number, hasNonce: NonceLookup, index = this.state.size): StateChange | RuleError {
    return tryEvaluateEntry(this.state, envelope, index, loggedAt, hasNonce);
  }

  apply(index: number, loggedAt: number, change: StateChange): void {
    this.state.apply(index, loggedAt, change);
  }

  /** Drops the entries at or after `size`. */
  truncate(size: number): void {
    this.state.truncate(size);
  }

  /** Marks the entries before `size` durable, so their undo records can go. */
  releaseUndo(size: number): void {
    this.state.releaseUndo(size);
  }

  /**
   * Decodes, checks and applies one logged entry (a leaf or its decoded envelope) as the
   * next index. Returns the change.
   * @throws RuleError naming the index, for an entry the log should not contain.
   */
  append(entry: Uint8Array | LoggedEnvelope, hasNonce: NonceLookup, options: AppendOptions = {}): StateChange {
    const index = this.state.size;
    try {
      const envelope = entry instanceof Uint8Array ? decodeLeaf(entry) : entry;
      const change = evaluateEntry(this.state, envelope, index, envelope.loggedAt, hasNonce, options.verifiedSignatures);
      this.state.apply(index, envelope.loggedAt, change);
      return change;
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      throw new RuleError(error.code, `entry ${index}: ${error.message}`, { ...error.evidence, index }, { cause: error });
    }
  }

  /**
   * Replays a log from entry 0, with the nonces kept in memory.
   * @throws RuleError (with `index` in its evidence) at the first entry that breaks a rule.
   */
  static replay(entries: Iterable<Uint8Array | LoggedEnvelope>): Registry {
    const registry = new Registry();
    const nonces = new Set<string>();
    const hasNonce: NonceLookup = (actor, nonce) => nonces.has(`${actor}\n${nonce}`);
    for (const entry of entries) {
      const change = registry.append(entry, hasNonce);
      nonces.add(`${change.actor}\n${change.nonce}`);
      registry.releaseUndo(registry.state.size);
    }
    return registry;
  }
}
