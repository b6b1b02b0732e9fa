import { decodeBase64 } from '../encoding.js';
import { RuleError } from '../errors.js';
import { actorCountry, formatUtcTime, parseUtcTime } from '../formats.js';
import type { CertificateRevokeBody } from '../kinds/certificate.js';
import type { CertificateRecord, RevocationRecord } from '../records.js';
import { checkValidityAt, isIssuedBy, parseCertificate, type ParsedCertificate } from '../x509.js';
import { FRESHNESS_WINDOW_MS } from '../envelope.js';
import { provenance, reject, requireSignerCountry, type RuleContext } from './context.js';
import { requireCab } from './cabs.js';

/**
 * Registers a national CA certificate: a CA certificate (basicConstraints cA) whose
 * subject C is the registrar's country, valid at the log time, not registered before.
 */
export function applyCaRegister(context: RuleContext<'ca.register'>): void {
  const certificate = readCertificate(context, context.body.certificate);
  const country = actorCountry(context.signer.name)!;
  if (!certificate.isCa) {
    reject('not_ca_certificate', `certificate ${certificate.sha256} is not a CA certificate`, { sha256: certificate.sha256 });
  }
  if (certificate.country !== country) {
    reject('wrong_country', `CA certificate subject C is ${certificate.country ?? 'missing'}, want ${country}`, {
      sha256: certificate.sha256,
      country: certificate.country ?? null,
      expected: country,
    });
  }
  const record = certificateRecord(context, certificate, 'ca', country);
  context.writes.push({ table: 'certificate', key: certificate.sha256, value: record });
  const sameSubject = context.state.casBySubject(certificate.subjectNameHex).map((ca) => ca.sha256);
  context.writes.push({ table: 'caSubject', key: certificate.subjectNameHex, value: [...sameSubject, certificate.sha256] });
}

/**
 * Registers a CAB's signing certificate for an active CAB. Two cases:
 * - issued by a registered national CA (issuer Name matches and the signature verifies):
 *   the CA must be of the CAB's country and unrevoked at the log time, and the subject
 *   organizationIdentifier must be the CAB code;
 * - otherwise it is the CAB's own certificate, vouched for by the registrar's entry: it
 *   must not be a CA certificate, and a subject organizationIdentifier, if present, must
 *   match the CAB.
 */
export function applyCabKeyRegister(context: RuleContext<'cabkey.register'>): void {
  const { body, loggedAt, state } = context;
  const cab = requireCab(context, body.cabCode);
  const status = state.cabStatusAt(body.cabCode, loggedAt);
  if (status.status !== 'active') {
    reject('cab_not_active', `CAB ${body.cabCode} is ${status.status} at ${formatUtcTime(loggedAt)}`, {
      code: body.cabCode,
      status: status.status,
    });
  }

  const certificate = readCertificate(context, body.certificate);
  const issuer = findIssuingCa(context, certificate);
  if (issuer !== undefined && issuer.country !== cab.country) {
    reject('wrong_country', `issuing CA ${issuer.sha256} is of ${issuer.country}, CAB ${cab.code} of ${cab.country}`, {
      sha256: certificate.sha256,
      issuerCa: issuer.sha256,
    });
  }
  if (issuer === undefined && certificate.isCa) {
    reject('not_end_entity', `certificate ${certificate.sha256} is a CA certificate, not a CAB signing certificate`, {
      sha256: certificate.sha256,
    });
  }

  const orgId = certificate.organizationIdentifier;
  if ((issuer !== undefined || orgId !== undefined) && orgId !== body.cabCode) {
    reject('cab_code_mismatch', `certificate organizationIdentifier is ${orgId ?? 'missing'}, want ${body.cabCode}`, {
      sha256: certificate.sha256,
      organizationIdentifier: orgId ?? null,
      expected: body.cabCode,
    });
  }
  // A CAB's own certificate may come from any CA, foreign or commercial, so its subject C is
  // not bound to the CAB's country: the registrar's signed entry makes the binding. One issued
  // by a registered national CA names the CAB's country, like its issuer.
  if (issuer !== undefined && certificate.country !== undefined && certificate.country !== cab.country) {
    reject('wrong_country', `certificate subject C is ${certificate.country}, CAB ${cab.code} is of ${cab.country}`, {
      sha256: certificate.sha256,
      country: certificate.country,
    });
  }

  const record = certificateRecord(context, certificate, 'cab', cab.country);
  record.cabCode = body.cabCode;
  if (issuer !== undefined) record.issuerCa = issuer.sha256;
  context.writes.push({ table: 'certificate', key: certificate.sha256, value: record });
}

export function applyCaRevoke(context: RuleContext<'ca.revoke'>): void {
  revoke(context, 'ca');
}

export function applyCabKeyRevoke(context: RuleContext<'cabkey.revoke'>): void {
  revoke(context, 'cab');
}

function revoke(context: RuleContext<'ca.revoke' | 'cabkey.revoke'>, role: 'ca' | 'cab'): void {
  const body: CertificateRevokeBody = context.body;
  const record = context.state.certificateAt(body.sha256);
  if (record === undefined || record.role !== role) {
    const roleName = role === 'ca' ? 'national CA' : 'CAB';
    reject('unknown_certificate', `no ${roleName} certificate ${body.sha256} is registered`, { sha256: body.sha256 });
  }
  requireSignerCountry(context, record.country, `certificate ${body.sha256}`);
  if (record.revocation !== undefined) {
    reject('certificate_revoked', `certificate ${body.sha256} was already revoked at index ${record.revocation.index}`, {
      sha256: body.sha256,
      revokedIndex: record.revocation.index,
    });
  }
  const revocation: RevocationRecord = { reason: body.reason, effectiveAt: context.loggedAt, ...provenance(context) };
  if (body.compromisedAt !== undefined) {
    const compromisedAt = parseUtcTime(body.compromisedAt)!;
    // The signer's clock may run ahead of the hub's by the freshness window, no more.
    if (compromisedAt > context.loggedAt + FRESHNESS_WINDOW_MS) {
      reject('invalid_compromised_at', `compromisedAt ${body.compromisedAt} is after the log time`, {
        compromisedAt: body.compromisedAt,
        loggedAt: context.loggedAt,
      });
    }
    revocation.compromisedAt = compromisedAt;
    revocation.effectiveAt = Math.min(compromisedAt, context.loggedAt);
  }
  context.writes.push({ table: 'certificate', key: body.sha256, value: { ...record, revocation, ...provenance(context) } });
}

/** Decodes, parses and checks a body certificate: valid at the log time and not registered yet. */
function readCertificate(context: RuleContext, base64: string): ParsedCertificate {
  let der: Uint8Array;
  try {
    der = decodeBase64(base64, 'body.certificate');
  } catch (cause) {
    throw new RuleError('certificate_invalid', 'body.certificate is not canonical base64', { reason: 'base64' }, { cause });
  }
  const certificate = parseCertificate(der);
  checkValidityAt(certificate, context.loggedAt);
  const existing = context.state.certificateAt(certificate.sha256);
  if (existing !== undefined) {
    reject('certificate_exists', `certificate ${certificate.sha256} is already registered at index ${existing.index}`, {
      sha256: certificate.sha256,
      index: existing.index,
    });
  }
  return certificate;
}

/**
 * Returns the registered national CA that issued the certificate, if any. A certificate
 * naming a registered CA as issuer must verify under it, and that CA must not be revoked
 * at the log time.
 */
function findIssuingCa(context: RuleContext, certificate: ParsedCertificate): CertificateRecord | undefined {
  const candidates = context.state.casBySubject(certificate.issuerNameHex);
  if (candidates.length === 0) return undefined;
  for (const ca of candidates) {
    if (!isIssuedBy(certificate, ca)) continue;
    if (ca.revocation !== undefined && ca.revocation.effectiveAt <= context.loggedAt) {
      reject('ca_revoked', `issuing CA ${ca.sha256} is revoked`, { sha256: certificate.sha256, issuerCa: ca.sha256 });
    }
    return ca;
  }
  return reject('certificate_invalid', `certificate names a registered national CA as issuer, but no such CA's key verifies it`, {
    sha256: certificate.sha256,
    reason: 'issuer_signature',
  });
}

function certificateRecord(
  context: RuleContext,
  certificate: ParsedCertificate,
  role: 'ca' | 'cab',
  country: string,
): CertificateRecord {
  return {
    sha256: certificate.sha256,
    role,
    country,
    der: certificate.der,
    subject: certificate.subject,
    subjectNameHex: certificate.subjectNameHex,
    spki: certificate.spki,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    ...provenance(context),
  };
}
