import { openCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import type { NoteVerifier } from '../ledger/note.js';
import { checkKnownCosignatures, witnessVerifiers } from './checkpoint-keys.js';
import { decodeLeaf, type LoggedEnvelope } from '../registry/envelope.js';
import { fetchLog, type LogFetcher } from '../verifier/log-fetch.js';
import { logViewFromEntries, type LogView } from '../verifier/log-view.js';
import { evaluateTlogPolicy, policyFromWitnesses, type PolicyEvaluation, type TlogPolicy } from '../verifier/tlog-policy.js';

/**
 * A whole log checked against one checkpoint: the log key signed the checkpoint, the entries
 * hash to its root, and the registry replayed every entry (signatures and rules) from entry 0.
 * History and KPI reports read only this, never the hub's JSON.
 */
export interface VerifiedLog {
  /** The checkpoint note, verbatim, with the cosignatures the hub served. */
  note: string;
  checkpoint: Checkpoint;
  view: LogView;
  /** Every entry decoded, `envelopes[i]` being entry i. */
  envelopes: LoggedEnvelope[];
  entries: readonly Uint8Array[];
  /** The witness policy applied to the checkpoint's cosignatures. */
  witnesses: PolicyEvaluation;
}

/**
 * Reads a whole log through `fetcher` (c2sp.org/tlog-tiles checkpoint and entry bundles) and
 * verifies it with {@link verifyLogEntries}. `policy` defaults to the log's own witness set.
 * NOTE: this reads and replays every entry on each run, and keeps them all in memory. By estimate
 * that suits logs of up to a few million entries. A larger log needs a monitor that keeps its
 * replayed state between runs.
 * @throws NoteError when the log key did not sign the checkpoint, VerificationError `invalid_log`,
 *   and the fetcher's errors.
 */
export async function readVerifiedLog(fetcher: LogFetcher, logKey: NoteVerifier, policy?: TlogPolicy): Promise<VerifiedLog> {
  const fetched = await fetchLog(fetcher, logKey, policy);
  return verifyLogEntries(fetched.checkpoint, fetched.entries, logKey, policy);
}

/**
 * Verifies entries against a checkpoint note: the note's signature by `logKey` (with its origin
 * as the key name), the root over exactly `checkpoint.size` entries, and the registry replay.
 * A cosignature line of a policy witness that does not verify rejects the note
 * (c2sp.org/signed-note). The note and the entries are attacker-controlled.
 * @throws NoteError from openCheckpoint, `invalid_signature` for such a cosignature,
 *   VerificationError `invalid_log` from logViewFromEntries.
 */
export function verifyLogEntries(note: string, entries: readonly Uint8Array[], logKey: NoteVerifier, policy?: TlogPolicy): VerifiedLog {
  const { checkpoint } = openCheckpoint(note, logKey, logKey.name);
  const view = logViewFromEntries(note, checkpoint, entries);
  // The replay above decoded every entry already, so decodeLeaf cannot throw here.
  const envelopes = entries.map((entry) => decodeLeaf(entry));
  const witnessSet = view.state.witnessesAt(checkpoint.size - 1);
  const effective = policy ?? policyFromWitnesses(witnessSet?.witnesses ?? [], witnessSet?.witnessQuorum ?? 0);
  const policyWitnesses = effective.witnesses.map((witness) => ({ name: witness.name, key: witness.vkey }));
  checkKnownCosignatures(note, logKey, witnessVerifiers(policyWitnesses, logKey));
  return { note, checkpoint, view, envelopes, entries, witnesses: evaluateTlogPolicy(note, effective) };
}
