import { SIG_TYPE_ED25519 } from '../../ledger/note.js';
import { actorCountry } from '../formats.js';
import { parseBodyKey, provenance, reject, requireSignerCountry, type RuleContext } from './context.js';

/** Registers an authority or CAB actor of the registrar's country; a revoked name may return. */
export function applyActorRegister(context: RuleContext<'actor.register'>): void {
  const { body, state } = context;
  requireSignerCountry(context, actorCountry(body.actor)!, `actor ${body.actor}`);
  const existing = state.actorAt(body.actor);
  if (existing?.status === 'active') {
    reject('actor_exists', `actor ${body.actor} is already registered at index ${existing.index}`, {
      actor: body.actor,
      index: existing.index,
    });
  }
  const key = parseBodyKey(body.key, 'body.key', { name: body.actor, type: SIG_TYPE_ED25519 });
  context.writes.push({
    table: 'actor',
    key: body.actor,
    value: { name: body.actor, roles: [...body.roles], key, status: 'active', ...provenance(context) },
  });
}

export function applyActorRevoke(context: RuleContext<'actor.revoke'>): void {
  const { body, state } = context;
  requireSignerCountry(context, actorCountry(body.actor)!, `actor ${body.actor}`);
  const existing = state.actorAt(body.actor);
  if (existing === undefined) reject('unknown_actor', `actor ${body.actor} is not registered`, { actor: body.actor });
  if (existing.status === 'revoked') {
    reject('actor_revoked', `actor ${body.actor} is already revoked`, { actor: body.actor, revokedIndex: existing.index });
  }
  context.writes.push({
    table: 'actor',
    key: body.actor,
    value: { ...existing, status: 'revoked', ...provenance(context) },
  });
}

/** Replaces the registrar's key; the entry is signed with the current key. */
export function applyRegistrarRotate(context: RuleContext<'registrar.rotate'>): void {
  const { signer } = context;
  const key = parseBodyKey(context.body.key, 'body.key', { name: signer.name, type: SIG_TYPE_ED25519 });
  if (key.vkey === signer.key.vkey) {
    reject('key_unchanged', `the new key of ${signer.name} equals its current key`, { actor: signer.name });
  }
  context.writes.push({ table: 'actor', key: signer.name, value: { ...signer, key, ...provenance(context) } });
}
