import { formatUtcTime } from '../../registry/formats.js';
import { DAY_MS, HOUR_MS, type PilotContext } from './context.js';
import { createCabCertificate, type CertifiedKey } from './pki.js';
import type { CabPlan, DocumentPlan } from './scenario.js';

/**
 * The CAB signing keys the pilot holds: each CAB's certificate from its national CA with
 * its PKCS#8 key, and the keys of the scenario's key cases, so the pilot can sign the
 * documents it generates.
 */
export interface CabKeyring {
  /** The certificate each CAB signs its documents with, by CAB code. */
  current: Map<string, CertifiedKey>;
  /** The national CA of each country, embedded in signatures as the chain. */
  cas: Map<string, CertifiedKey>;
  /** The first key of the scenario's revokedKeyCab, revoked as compromised before documents are logged. */
  revokedBefore?: CertifiedKey;
  /** The second key of the scenario's retiredKeyCab, revoked only after documents are logged. */
  revokedAfter?: CertifiedKey;
}

/**
 * Returns the certificate that signs a generated document, as its plan names it.
 * @throws RangeError for a sample, or when the key the plan names was not registered.
 */
export function signingKeyOf(plan: DocumentPlan, keys: CabKeyring): CertifiedKey {
  if (plan.source.kind !== 'generated') throw new RangeError(`${plan.label} is a sample, which the pilot does not sign`);
  const { key } = plan.source;
  let certificate: CertifiedKey | undefined;
  if (key.kind === 'issuer') certificate = keys.current.get(plan.issuer.code);
  else if (key.kind === 'other-cab') certificate = keys.current.get(key.cab.code);
  else if (key.kind === 'revoked-before') certificate = keys.revokedBefore;
  else certificate = keys.revokedAfter;
  if (certificate === undefined) throw new RangeError(`no ${key.kind} signing key was registered for ${plan.label}`);
  return certificate;
}

/**
 * Revokes the signing certificate of the scenario's revokedKeyCab as compromised an hour
 * ago (`cabkey.revoke`), so a document signed with it and logged now fails check 5. A
 * second revocation of it must be rejected with `certificate_revoked`. The CAB then gets
 * a new certificate for its other documents.
 */
export async function revokeCabKey(context: PilotContext, keys: CabKeyring): Promise<void> {
  const { session, scenario } = context;
  const plan = scenario.revokedKeyCab;
  const certificate = keys.current.get(plan.code);
  if (certificate === undefined) return;
  const body = {
    sha256: certificate.sha256,
    reason: 'keyCompromise' as const,
    compromisedAt: formatUtcTime(Date.now() - HOUR_MS),
  };
  const actor = `registrar:${plan.country}`;
  const receipt = await session.submit(`revoke the signing certificate of ${plan.code}`, 'cabkey.revoke', body, actor);
  await session.submit(`reject a second revocation of ${plan.code}'s certificate`, 'cabkey.revoke', body, actor, {
    expect: 'certificate_revoked',
  });
  if (receipt === undefined) return;
  keys.revokedBefore = certificate;
  const replacement = await registerExtraKey(context, keys, plan, 'replacement');
  if (replacement !== undefined) keys.current.set(plan.code, replacement);
}

/** Registers a second signing certificate for the scenario's retiredKeyCab, to be revoked after documents are logged. */
export async function registerRetiredKey(context: PilotContext, keys: CabKeyring): Promise<void> {
  keys.revokedAfter = await registerExtraKey(context, keys, context.scenario.retiredKeyCab, 'second');
}

/**
 * Revokes the retiredKeyCab's second certificate with no compromisedAt, so the revocation
 * takes effect at its own log time, after the document signed with it was logged.
 */
export async function revokeRetiredKey(context: PilotContext, keys: CabKeyring): Promise<void> {
  const plan = context.scenario.retiredKeyCab;
  if (keys.revokedAfter === undefined) return;
  await context.session.submit(
    `revoke the second signing certificate of ${plan.code} after its document was logged`,
    'cabkey.revoke',
    { sha256: keys.revokedAfter.sha256, reason: 'superseded' },
    `registrar:${plan.country}`,
  );
}

async function registerExtraKey(context: PilotContext, keys: CabKeyring, plan: CabPlan, purpose: string): Promise<CertifiedKey | undefined> {
  const ca = keys.cas.get(plan.country);
  if (ca === undefined) return undefined;
  const now = Date.now();
  const certificate = await createCabCertificate(ca, {
    cabCode: plan.code,
    cabName: plan.name,
    country: plan.country,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 2 * 365 * DAY_MS),
  });
  const receipt = await context.session.submit(
    `register a ${purpose} signing certificate of ${plan.code}`,
    'cabkey.register',
    { cabCode: plan.code, certificate: Buffer.from(certificate.der).toString('base64') },
    `registrar:${plan.country}`,
  );
  return receipt === undefined ? undefined : certificate;
}
