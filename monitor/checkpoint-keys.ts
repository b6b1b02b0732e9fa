/**
 * The keys a monitor trusts when it checks a checkpoint note: the pinned log key and the
 * witnesses of the registry it replayed. c2sp.org/signed-note says a signature line whose name
 * and key ID match a known key must verify. A checkpoint carrying a known witness's cosignature
 * that does not verify is therefore rejected, like one whose log signature does not verify.
 */
import { LedgerError } from '../ledger/errors.js';
import { noteVerifier, verifyKnownSignatures, type NoteVerifier } from '../ledger/note.js';

/**
 * Returns verifiers for `witnesses` (name and 0x04 vkey), leaving out a key that does not parse
 * (the registry rules reject such keys, so a replayed registry contains none) and any key with the
 * name and key ID of `logKey` or of a witness listed before it.
 */
export function witnessVerifiers(witnesses: readonly { name: string; key: string }[], logKey: NoteVerifier): NoteVerifier[] {
  const seen = new Set([`${logKey.name}+${logKey.keyId}`]);
  const verifiers: NoteVerifier[] = [];
  for (const witness of witnesses) {
    let verifier: NoteVerifier;
    try {
      verifier = noteVerifier(witness.key);
    } catch (error) {
      if (error instanceof LedgerError) continue;
      throw error;
    }
    const id = `${verifier.name}+${verifier.keyId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    verifiers.push(verifier);
  }
  return verifiers;
}

/**
 * Checks every signature line of `note` made by the log key or a known witness.
 * @throws NoteError `invalid_signature` naming the first such line that does not verify.
 */
export function checkKnownCosignatures(note: string, logKey: NoteVerifier, witnesses: readonly NoteVerifier[]): void {
  verifyKnownSignatures(note, [logKey, ...witnesses]);
}
