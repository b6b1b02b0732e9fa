import { parseVerifierKey, SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519 } from '../../ledger/note.js';
import { registrarName } from '../formats.js';
import { WITNESS_NAME_PATTERN } from '../kinds/witness.js';
import { parseBodyKey, provenance, reject, type RuleContext } from './context.js';

const witnessNameRegExp = new RegExp(WITNESS_NAME_PATTERN);

/**
 * Entry 0: records the origin, participants and quorums, the operator and each
 * registrar as actors, and the witness set. The signer is already checked to be the
 * operator key the body names.
 */
export function applyGenesis(context: RuleContext<'log.genesis'>): void {
  const { body, writes } = context;
  const at = provenance(context);
  const countries = new Set<string>();
  // One private key behind two roles would count twice towards a quorum; the operator's key is
  // the signer's, checked against the body already.
  const keyOwners = new Map<string, string>([[hexOf(context.signer.key.publicKey), 'operator']]);
  for (const [position, participant] of body.participants.entries()) {
    if (countries.has(participant.country)) {
      reject('duplicate_participant', `participant ${participant.country} is listed twice`, { country: participant.country });
    }
    countries.add(participant.country);
    const name = registrarName(participant.country);
    const key = parseBodyKey(participant.registrar, `body.participants[${position}].registrar`, {
      name,
      type: SIG_TYPE_ED25519,
    });
    requireNewKey(keyOwners, key.publicKey, name);
    writes.push({ table: 'actor', key: name, value: { name, roles: [], key, status: 'active', ...at } });
  }
  checkWitnesses(body.witnesses, body.witnessQuorum);
  for (const witness of body.witnesses) {
    requireNewKey(keyOwners, parseVerifierKey(witness.key).publicKey, witness.name);
  }
  if (body.recoveryQuorum > countries.size - 1) {
    reject(
      'invalid_quorum',
      `recoveryQuorum ${body.recoveryQuorum} needs more registrars than the ${countries.size - 1} others a registrar has`,
      { recoveryQuorum: body.recoveryQuorum, participants: countries.size },
    );
  }
  writes.push({ table: 'actor', key: 'operator', value: context.signer });
  writes.push({
    table: 'genesis',
    key: '',
    value: { origin: body.origin, participants: [...countries], recoveryQuorum: body.recoveryQuorum, ...at },
  });
  writes.push({ table: 'witnesses', key: '', value: { witnesses: body.witnesses, witnessQuorum: body.witnessQuorum, ...at } });
}

/**
 * Checks a witness list and its quorum: distinct `witness:` names, each with a cosignature
 * (0x04) vkey of that name, and a quorum between 1 and the count (0 only without witnesses).
 */
export function checkWitnesses(witnesses: readonly { name: string; key: string }[], quorum: number): void {
  const names = new Set<string>();
  // A cosignature does not commit to the witness's name, so one key must not serve two witnesses.
  const keyOwners = new Map<string, string>();
  for (const [position, witness] of witnesses.entries()) {
    if (!witnessNameRegExp.test(witness.name)) {
      reject('invalid_key', `witness name ${witness.name} does not match witness:CC`, { name: witness.name });
    }
    if (names.has(witness.name)) reject('witness_exists', `witness ${witness.name} is listed twice`, { name: witness.name });
    names.add(witness.name);
    const key = parseBodyKey(witness.key, `witnesses[${position}].key`, { name: witness.name, type: SIG_TYPE_COSIGNATURE });
    requireNewKey(keyOwners, key.publicKey, witness.name);
  }
  const minimum = witnesses.length === 0 ? 0 : 1;
  if (quorum < minimum || quorum > witnesses.length) {
    reject('invalid_quorum', `witnessQuorum ${quorum} is outside ${minimum}..${witnesses.length}`, {
      witnessQuorum: quorum,
      witnesses: witnesses.length,
    });
  }
}

function requireNewKey(owners: Map<string, string>, publicKey: Uint8Array, owner: string): void {
  const hex = hexOf(publicKey);
  const other = owners.get(hex);
  if (other !== undefined) {
    reject('key_reused', `${owner} uses the same public key as ${other}; each role needs its own key`, { owner, other });
  }
  owners.set(hex, owner);
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
