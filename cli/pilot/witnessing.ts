import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { WitnessPusher, type WitnessPushSource } from '../../api/witness-push.js';
import { createLogger } from '../logger.js';
import type { PilotContext } from './context.js';
import type { HubTarget } from './hub-target.js';
import { addWitnesses } from './witness-registration.js';
import { startWitnessServers, type WitnessServers } from './witness-servers.js';
import { awaitWitnessedCheckpoint, type WitnessedCheckpoint } from './witnessed-checkpoint.js';

/** How many witnesses the pilot runs for its own hub, taken from the last participant countries. */
export const PILOT_WITNESS_COUNT = 3;
/** The witness quorum the pilot's last `witness.add` sets. */
export const PILOT_WITNESS_QUORUM = 2;
/**
 * Milliseconds to wait for a checkpoint that meets the quorum. The hub's witnesses cosign
 * each new checkpoint within a few hundred milliseconds, so this only bounds a failure.
 */
const WITNESSED_TIMEOUT_MS = 15_000;

/** The witness part of the pilot's summary. */
export interface WitnessSummary {
  /**
   * `added`: the pilot ran witnesses and added them to its own hub's registry. `existing`:
   * the registry of another hub already sets a witness quorum. `skipped`: neither, so the
   * traceability checks need no cosignature.
   */
  mode: 'added' | 'existing' | 'skipped';
  /** The registry's witnesses at the end of the run. */
  witnesses: string[];
  /** The registry's witness quorum at the end of the run. */
  quorum: number;
  /** The reason the witness step was skipped, or null. */
  skipReason: string | null;
  /** Size of the witnessed checkpoint the traceability checks used, or null without one. */
  checkpointSize: number | null;
  /** Witnesses whose cosignature of that checkpoint verified. */
  cosigners: string[];
  /** Verifications whose traceability check passed against that checkpoint. */
  verificationsWitnessed: number;
}

/**
 * The pilot's witness step. On its own hub the pilot runs witnesses for the last
 * participant countries, adds them to the registry with quorum {@link PILOT_WITNESS_QUORUM}
 * and pushes the hub's checkpoints to them. On another hub it cannot make the hub push, so
 * it uses the hub's own witnesses when the registry already sets a quorum, and skips the
 * step otherwise. Every verification runs after this step, so all of them use one
 * checkpoint that meets the quorum in force at its size.
 */
export class PilotWitnessing {
  readonly #mode: WitnessSummary['mode'];
  readonly #skipReason: string | null;
  readonly #servers: WitnessServers | undefined;
  readonly #pushSource: WitnessPushSource | undefined;
  #pusher: WitnessPusher | undefined;
  #added = false;
  #witnessed: WitnessedCheckpoint | undefined;

  private constructor(mode: WitnessSummary['mode'], skipReason: string | null, servers?: WitnessServers, pushSource?: WitnessPushSource) {
    this.#mode = mode;
    this.#skipReason = skipReason;
    this.#servers = servers;
    this.#pushSource = pushSource;
  }

  /**
   * Starts the witness servers on the pilot's own hub, with their state in
   * `<data>/pilot-witnesses`, or decides how to treat another hub.
   */
  static async start(context: PilotContext, target: HubTarget): Promise<PilotWitnessing> {
    const state = context.mirror.registry.state.witnessesAt();
    if (target.pushSource === undefined) {
      if ((state?.witnessQuorum ?? 0) > 0) return new PilotWitnessing('existing', null);
      const reason = 'the pilot cannot make another hub push checkpoints to witnesses, and its registry sets no witness quorum';
      return new PilotWitnessing('skipped', reason);
    }
    const stateRoot =
      target.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'ecert-pilot-witnesses-')) : join(target.dataDir, 'pilot-witnesses');
    const countries = context.scenario.countries.slice(-PILOT_WITNESS_COUNT);
    const servers = await startWitnessServers(target.keysDir, stateRoot, target.logVkey, countries);
    return new PilotWitnessing('added', null, servers, target.pushSource);
  }

  /**
   * Adds the running witnesses to the registry and, once all are in force, starts pushing
   * the hub's checkpoints to them. Does nothing on another hub.
   */
  async register(context: PilotContext): Promise<void> {
    if (this.#servers === undefined || this.#pushSource === undefined) return;
    const witnesses = this.#servers.witnesses;
    const added = await addWitnesses(context, witnesses, this.#quorumToSet);
    this.#added = added.length === witnesses.length;
    if (!this.#added) return;
    // Started only now: the hub keeps a cosignature only from a witness registered at that checkpoint.
    this.#pusher = new WitnessPusher(this.#pushSource, { urls: witnesses.map((witness) => witness.url), logger: createLogger() });
    this.#pusher.start();
  }

  /**
   * Waits for a witnessed checkpoint that covers every entry logged so far, verifies it, and
   * returns it for the traceability checks. Returns undefined when the step was skipped or
   * no such checkpoint came in time, which is recorded as a failed outcome.
   */
  async checkpointForVerifications(context: PilotContext): Promise<WitnessedCheckpoint | undefined> {
    if (this.#mode === 'skipped') return undefined;
    const step = 'get a witnessed checkpoint of the whole log';
    if (this.#mode === 'added' && !this.#added) {
      context.outcomes.failure(step, 'not every witness was added, so the pilot pushes no checkpoints');
      return undefined;
    }
    const { size } = await context.mirror.refresh();
    const minQuorum = this.#mode === 'added' ? this.#quorumToSet : 1;
    const result = await awaitWitnessedCheckpoint(context, { minSize: size, minQuorum, timeoutMs: WITNESSED_TIMEOUT_MS });
    if ('reason' in result) {
      context.outcomes.failure(step, result.reason);
      return undefined;
    }
    context.outcomes.compare(step, 'ok', 'ok');
    this.#witnessed = result.witnessed;
    // The final audit then proves this checkpoint consistent with the newest one.
    context.session.checkpoints.set(result.witnessed.checkpoint.size, result.witnessed.note);
    return result.witnessed;
  }

  /** Stops the pusher, then the witness servers. */
  async close(): Promise<void> {
    await this.#pusher?.close();
    this.#pusher = undefined;
    await this.#servers?.close();
  }

  /** Returns the summary of the step, as of the registry the mirror replayed last. */
  summary(context: PilotContext, verificationsWitnessed: number): WitnessSummary {
    const set = context.mirror.registry.state.witnessesAt();
    return {
      mode: this.#mode,
      witnesses: set?.witnesses.map((witness) => witness.name) ?? [],
      quorum: set?.witnessQuorum ?? 0,
      skipReason: this.#skipReason,
      checkpointSize: this.#witnessed?.checkpoint.size ?? null,
      cosigners: this.#witnessed?.cosigners ?? [],
      verificationsWitnessed,
    };
  }

  get #quorumToSet(): number {
    return Math.min(PILOT_WITNESS_QUORUM, this.#servers?.witnesses.length ?? 0);
  }
}
