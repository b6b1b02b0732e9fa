import { setTimeout as sleep } from 'node:timers/promises';

import { openCheckpoint, type Checkpoint } from '../../ledger/checkpoint.js';
import { LedgerError } from '../../ledger/errors.js';
import { equalHashes } from '../../ledger/hash.js';
import { rootFromLeafHashes } from '../../ledger/proof.js';
import { evaluateTlogPolicy } from '../../verifier/tlog-policy.js';
import { policyFromState } from '../../verifier/witness-policy.js';
import { HubError } from '../hub-client.js';
import type { PilotContext } from './context.js';

/** A checkpoint whose cosignatures meet the registry's witness quorum as of that checkpoint. */
export interface WitnessedCheckpoint {
  /** The signed note with its cosignatures, as the hub served it. */
  note: string;
  checkpoint: Checkpoint;
  /** The registry's `witnessQuorum` as of the checkpoint's last entry. */
  quorum: number;
  /** Names of the registered witnesses whose cosignature verified, in registry order. */
  cosigners: string[];
}

export interface WitnessedWaitOptions {
  /** The smallest tree size to accept. */
  minSize: number;
  /** The smallest registry quorum to accept, so a checkpoint from before a quorum change is skipped. */
  minQuorum: number;
  /** Milliseconds to keep asking before giving up. */
  timeoutMs: number;
  /** Milliseconds between requests (default 100). */
  pollIntervalMs?: number;
}

/** A verified witnessed checkpoint, or why none was accepted in time. */
export type WitnessedWaitResult = { witnessed: WitnessedCheckpoint } | { reason: string };

/**
 * Polls `GET /v1/checkpoints/witnessed` until it serves a checkpoint of at least `minSize`
 * that the pilot verifies itself. The checkpoint must be signed by the log key and have the
 * mirrored tree's root at its size. It must also carry cosignatures, under their registered
 * keys, of `witnessQuorum` witnesses of the registry replayed from the log. The witnesses
 * cosign in the background, so a 404 (no checkpoint meets the quorum yet) or an older
 * checkpoint means poll again.
 * @throws HubError for any other error status; CliError when the mirror fails to refresh.
 */
export async function awaitWitnessedCheckpoint(context: PilotContext, options: WitnessedWaitOptions): Promise<WitnessedWaitResult> {
  const deadline = Date.now() + options.timeoutMs;
  let reason = 'the hub served no witnessed checkpoint';
  for (;;) {
    const note = await fetchWitnessed(context);
    if (note !== undefined) {
      const result = await checkWitnessed(context, note, options);
      if ('witnessed' in result) return result;
      reason = result.reason;
    }
    if (Date.now() >= deadline) return { reason: `${reason} within ${options.timeoutMs} ms` };
    await sleep(options.pollIntervalMs ?? 100);
  }
}

async function fetchWitnessed(context: PilotContext): Promise<string | undefined> {
  try {
    return await context.session.client.getText('/v1/checkpoints/witnessed');
  } catch (error) {
    if (error instanceof HubError && error.status === 404) return undefined;
    throw error;
  }
}

async function checkWitnessed(context: PilotContext, note: string, options: WitnessedWaitOptions): Promise<WitnessedWaitResult> {
  const { mirror } = context;
  let checkpoint: Checkpoint;
  try {
    checkpoint = openCheckpoint(note, mirror.logKey, mirror.origin).checkpoint;
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    return { reason: `the witnessed checkpoint does not verify with the log key (${error.code}): ${error.message}` };
  }
  if (checkpoint.size < options.minSize) {
    return { reason: `the newest witnessed checkpoint has size ${checkpoint.size}, want at least ${options.minSize}` };
  }
  if (checkpoint.size > mirror.size) await mirror.refresh();

  // The same tree the mirror verified entry by entry, so the hub cannot show the witnesses another log.
  const leafHashes = Array.from({ length: checkpoint.size }, (_, index) => mirror.leafHash(index));
  if (!equalHashes(rootFromLeafHashes(leafHashes), checkpoint.rootHash)) {
    return { reason: `the witnessed checkpoint of size ${checkpoint.size} has another root than the mirrored log` };
  }
  const state = mirror.registry.state;
  const quorum = state.witnessesAt(checkpoint.size - 1)?.witnessQuorum ?? 0;
  if (quorum < options.minQuorum) {
    return { reason: `the registry's witness quorum at size ${checkpoint.size} is ${quorum}, want at least ${options.minQuorum}` };
  }
  const evaluation = evaluateTlogPolicy(note, policyFromState(state, checkpoint.size - 1));
  if (!evaluation.satisfied) {
    return {
      reason: `checkpoint ${checkpoint.size} is cosigned by ${evaluation.cosigners.length} registered witnesses, the quorum is ${quorum}`,
    };
  }
  return { witnessed: { note, checkpoint, quorum, cosigners: evaluation.cosigners } };
}
