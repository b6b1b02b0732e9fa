/**
 * The monitor's own registry: every verified entry is replayed through the registry rules and
 * actor signature checks (`Registry.append`), with the nonces kept in memory.
 */
import { RuleError } from '../registry/errors.js';
import { Registry } from '../registry/registry.js';
import type { AlarmCode, AlarmEvidence } from './alarms.js';

/** An entry the registry rejects. */
export interface ReplayFailure {
  code: AlarmCode;
  message: string;
  evidence: AlarmEvidence;
}

export class RegistryReplay {
  readonly registry = new Registry();
  readonly #nonces = new Set<string>();

  /** Number of entries replayed. */
  get size(): number {
    return this.registry.state.size;
  }

  /**
   * Replays `entry` as the next index. Returns undefined when it passes, or the failure; the
   * registry then stays at the entry before it, since the rules define no state past an entry
   * the hub must not have logged.
   *
   * NOTE: `Registry.append` checks each actor signature inline, on this thread. Moving the
   * checks to worker threads needs the registry to accept a signature verdict computed ahead,
   * which it does not offer yet; the replay runs at about the node:crypto Ed25519 rate of one core.
   */
  append(entry: Uint8Array): ReplayFailure | undefined {
    const index = this.size;
    try {
      const change = this.registry.append(entry, (actor, nonce) => this.#nonces.has(`${actor}\n${nonce}`));
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
