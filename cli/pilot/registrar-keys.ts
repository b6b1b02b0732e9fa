import { generatePrivateKey, verifierKeyOf, type PrivateKey } from '../../ledger/note.js';
import type { PilotContext } from './context.js';

/**
 * Rotates a registrar's key (`registrar.rotate`, signed with the current key) and signs
 * with the new key from then on. The old key must then be rejected with `key_mismatch`.
 * Returns the key it replaced, so the run can restore it at the end.
 */
export async function rotateRegistrar(context: PilotContext, country: string): Promise<PrivateKey> {
  const { session } = context;
  const actor = `registrar:${country}`;
  const oldKey = session.keys.key(actor);
  const newKey = generatePrivateKey(actor);
  const receipt = await session.submit(`rotate the key of ${actor}`, 'registrar.rotate', { key: verifierKeyOf(newKey) }, actor);
  if (receipt !== undefined) session.keys.use(actor, newKey);
  await session.submit(
    `reject the rotated-out key of ${actor}`,
    'registrar.rotate',
    { key: verifierKeyOf(generatePrivateKey(actor)) },
    actor,
    { key: oldKey, expect: 'key_mismatch' },
  );
  return oldKey;
}

/**
 * Recovers a registrar's lost key: `registrar.recover` signed with the new key, then
 * `registrar.approve` by `recoveryQuorum` other registrars. The recovered key then works
 * and the lost one is rejected; a further approval finds the request closed. Returns the
 * key it replaced.
 */
export async function recoverRegistrar(context: PilotContext, country: string): Promise<PrivateKey> {
  const { session, mirror, scenario } = context;
  const actor = `registrar:${country}`;
  const lostKey = session.keys.key(actor);
  const newKey = generatePrivateKey(actor);
  const request = await session.submit(
    `request the recovery of ${actor}`,
    'registrar.recover',
    { key: verifierKeyOf(newKey), reason: 'registrar signing key reported lost; recovery drill of the pilot' },
    actor,
    { key: newKey },
  );
  if (request === undefined) return lostKey;

  const quorum = mirror.registry.state.genesis()?.recoveryQuorum ?? 2;
  const others = scenario.countries.filter((other) => other !== country);
  const approvers = others.slice(0, quorum);
  const body = { requestIndex: request.index, requestKind: 'registrar.recover' as const };
  await Promise.all(
    approvers.map((approver) =>
      session.submit(`approve the recovery of ${actor} by ${approver}`, 'registrar.approve', body, `registrar:${approver}`),
    ),
  );
  session.keys.use(actor, newKey);

  const late = others[quorum];
  if (late !== undefined) {
    await session.submit(`reject an approval after the quorum by ${late}`, 'registrar.approve', body, `registrar:${late}`, {
      expect: 'request_closed',
    });
  }
  await session.submit(
    `reject the lost key of ${actor}`,
    'registrar.rotate',
    { key: verifierKeyOf(generatePrivateKey(actor)) },
    actor,
    { key: lostKey, expect: 'key_mismatch' },
  );
  return lostKey;
}

/**
 * Rotates each registrar back to its development key, so the keys directory stays valid
 * for the next run against the same hub.
 */
export async function restoreRegistrarKeys(context: PilotContext, originals: ReadonlyMap<string, PrivateKey>): Promise<void> {
  const { session } = context;
  await Promise.all(
    [...originals].map(async ([actor, original]) => {
      if (verifierKeyOf(session.keys.key(actor)) === verifierKeyOf(original)) return;
      const receipt = await session.submit(`rotate ${actor} back to its development key`, 'registrar.rotate', { key: verifierKeyOf(original) }, actor);
      if (receipt !== undefined) session.keys.use(actor, original);
    }),
  );
}
