import { NoteError } from '../ledger/errors.js';
import { noteVerifier, openNote, parseNote, type NoteVerifier } from '../ledger/note.js';
import type { RegistryState } from '../registry/state.js';

/** The witnesses that must cosign a checkpoint before a verifier relies on it, and how many. */
export interface WitnessPolicy {
  witnesses: readonly { name: string; key: string }[];
  /** Distinct witnesses whose cosignature must verify; 0 accepts the log's signature alone. */
  quorum: number;
}

/**
 * Returns the policy the log itself sets at `index`: the witness set and `witnessQuorum`
 * of the genesis, as changed by any approved `witness.add` or `witness.remove`.
 * @throws RangeError when the state has no genesis at `index`.
 */
export function policyFromState(state: RegistryState, index: number): WitnessPolicy {
  const set = state.witnessesAt(index);
  if (set === undefined) throw new RangeError(`the registry has no witness set as of index ${index}`);
  return { witnesses: set.witnesses, quorum: set.witnessQuorum };
}

/** The cosignatures of a checkpoint that count towards a policy. */
export interface QuorumCount {
  /** Names of the policy's witnesses whose cosignature verified. */
  cosigners: string[];
  quorum: number;
  met: boolean;
}

/**
 * Counts the policy's witnesses that cosigned `note`. A signature line that names a
 * witness key but does not verify counts for nothing. It does not fail the count, because
 * the caller checks the note's text with the log key.
 */
export function countCosignatures(note: string, policy: WitnessPolicy): QuorumCount {
  parseNote(note);
  const cosigners: string[] = [];
  for (const witness of policy.witnesses) {
    let verifier: NoteVerifier;
    try {
      verifier = noteVerifier(witness.key);
    } catch (error) {
      if (error instanceof NoteError) continue;
      throw error;
    }
    try {
      if (openNote(note, [verifier]).verified.length > 0) cosigners.push(witness.name);
    } catch (error) {
      // no_verified_signature or invalid_signature: this witness did not cosign the note.
      if (!(error instanceof NoteError)) throw error;
    }
  }
  return { cosigners, quorum: policy.quorum, met: cosigners.length >= policy.quorum };
}
