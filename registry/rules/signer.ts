import { SIG_TYPE_ED25519 } from '../../ledger/note.js';
import { checkFreshness, formatKeyId, verifyEnvelopeSignature, type SignedEnvelope } from '../envelope.js';
import { actorClass } from '../formats.js';
import type { GenesisBody } from '../kinds/log.js';
import { SIGNER_OF_KIND } from '../kinds/index.js';
import type { RegistrarRecoverBody } from '../kinds/registrar.js';
import type { ActorRecord } from '../records.js';
import type { SignatureResults } from '../signature-results.js';
import type { RegistryState } from '../state.js';
import { parseBodyKey, reject, type NonceLookup } from './context.js';

/**
 * Authenticates an entry's signer, in order: the entry's place in the log, the signer's
 * class for the kind, its registration and key, the signature, the nonce, and freshness.
 * `verifiedSignatures` may hold results computed ahead; only a result for the key resolved here
 * and the entry's own signing message is used. Returns the signer's record.
 */
export function authenticate(
  state: RegistryState,
  envelope: SignedEnvelope,
  index: number,
  loggedAt: number,
  hasNonce: NonceLookup,
  verifiedSignatures?: SignatureResults,
): ActorRecord {
  checkLogPosition(state, envelope, index, loggedAt);
  checkSignerClass(state, envelope);
  const signer = resolveSigner(state, envelope, index, loggedAt);
  if (!verifyEnvelopeSignature(envelope, signer.key.publicKey, verifiedSignatures)) {
    reject('invalid_signature', `signature of ${envelope.actor} with key ${envelope.keyId} does not verify`, {
      actor: envelope.actor,
      keyId: envelope.keyId,
    });
  }
  if (hasNonce(envelope.actor, envelope.nonce)) {
    reject('replayed_nonce', `nonce ${envelope.nonce} of ${envelope.actor} was already used`, {
      actor: envelope.actor,
      nonce: envelope.nonce,
    });
  }
  checkFreshness(envelope.signedAt, loggedAt);
  return signer;
}

function checkLogPosition(state: RegistryState, envelope: SignedEnvelope, index: number, loggedAt: number): void {
  if (index !== state.size) {
    reject('out_of_order', `entry index ${index} is not the next index ${state.size}`, { index, expected: state.size });
  }
  if (index === 0 && envelope.kind !== 'log.genesis') {
    reject('genesis_required', `entry 0 must be log.genesis, got ${envelope.kind}`, { kind: envelope.kind });
  }
  if (index > 0 && envelope.kind === 'log.genesis') {
    reject('genesis_exists', `log.genesis at index ${index}: the log already has its genesis`, { index });
  }
  const last = state.lastLoggedAt;
  if (last !== undefined && loggedAt < last) {
    reject('log_time_regressed', `log time ${loggedAt} is before the previous entry's ${last}`, { loggedAt, previous: last });
  }
}

/** Checks the actor name against the kind's signer class before any lookup. */
function checkSignerClass(state: RegistryState, envelope: SignedEnvelope): void {
  const required = SIGNER_OF_KIND[envelope.kind];
  const name = envelope.actor;
  const evidence = { actor: name, kind: envelope.kind, required };
  if (required === 'operator' && name !== 'operator') {
    reject('wrong_signer', `${envelope.kind} must be signed by the operator, not ${name}`, evidence);
  }
  if (required === 'registrar' && actorClass(name) !== 'registrar') {
    reject('wrong_signer', `${envelope.kind} must be signed by a registrar, not ${name}`, evidence);
  }
  if (required === 'sender' || required === 'receiver' || required === 'party') {
    const record = state.actorAt(name);
    const roles: readonly string[] = record?.roles ?? [];
    const allowed = required === 'party' ? roles.length > 0 : roles.includes(required);
    if (record !== undefined && !allowed) {
      const code = required === 'sender' ? 'not_sender' : required === 'receiver' ? 'not_receiver' : 'not_party';
      reject(code, `${name} does not have the role ${required} that ${envelope.kind} requires`, evidence);
    }
  }
}

function resolveSigner(state: RegistryState, envelope: SignedEnvelope, index: number, loggedAt: number): ActorRecord {
  if (envelope.kind === 'log.genesis') {
    const key = parseBodyKey((envelope.body as GenesisBody).operator, 'body.operator', {
      name: 'operator',
      type: SIG_TYPE_ED25519,
    });
    return checkKeyId(envelope, { name: 'operator', roles: [], key, status: 'active', index, loggedAt });
  }
  const record = state.actorAt(envelope.actor);
  if (record === undefined) {
    reject('unknown_actor', `actor ${envelope.actor} is not registered`, { actor: envelope.actor });
  }
  if (record.status === 'revoked') {
    reject('actor_revoked', `actor ${envelope.actor} was revoked at index ${record.index}`, {
      actor: envelope.actor,
      revokedIndex: record.index,
    });
  }
  if (envelope.kind === 'registrar.recover') {
    // The lost key cannot sign: the request proves possession of the new key in its body.
    const key = parseBodyKey((envelope.body as RegistrarRecoverBody).key, 'body.key', {
      name: envelope.actor,
      type: SIG_TYPE_ED25519,
    });
    return checkKeyId(envelope, { ...record, key });
  }
  return checkKeyId(envelope, record);
}

function checkKeyId(envelope: SignedEnvelope, record: ActorRecord): ActorRecord {
  const expected = formatKeyId(record.key.keyId);
  if (envelope.keyId !== expected) {
    reject('key_mismatch', `keyId ${envelope.keyId} is not the current key ${expected} of ${record.name}`, {
      actor: record.name,
      keyId: envelope.keyId,
      expected,
    });
  }
  return record;
}
