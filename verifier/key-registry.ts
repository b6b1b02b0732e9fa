import 'reflect-metadata';

import { KeyUsageFlags, KeyUsagesExtension, X509Certificate } from '@peculiar/x509';

import type { SignatureCheck } from '../pdf/index.js';
import { RuleError } from '../registry/errors.js';
import { formatUtcTime } from '../registry/formats.js';
import type { CertificateRecord, DocumentRecord } from '../registry/records.js';
import type { RegistryState } from '../registry/state.js';
import { keyStatusAt } from '../registry/trust.js';
import { isIssuedBy, parseCertificate, type ParsedCertificate } from '../registry/x509.js';
import { failed, indeterminate, passed, type CheckEvidence, type CheckReport } from './indications.js';
import { DOCUMENT_TIMESTAMP_SUB_FILTER } from './signature-check.js';

/** The binding of a signer certificate to the issuing CAB, or the reason none was found. */
type Registration =
  | { path: 'registered'; record: CertificateRecord; ca?: CertificateRecord }
  | { path: 'national-ca'; ca: CertificateRecord }
  | { problem: string };

/**
 * Check 5, key-registry: each signer certificate of the PDF belongs to the document's
 * issuer CAB as of the document's index, was valid at the proof-of-existence time, and is
 * unaffected by any revocation. PAdES B-B carries no signed signing time and /M is
 * unsigned, so the proof-of-existence time is the log time of the document's
 * `document.register` (`document.loggedAt`).
 *
 * A certificate belongs to the CAB when `cabkey.register` registered it for the CAB.
 * It also belongs to the CAB when a national CA of the CAB's country, registered with
 * `ca.register`, issued it with the CAB code in its subject organizationIdentifier. That
 * one-step path gets RFC 5280 path validation: signature, name chaining, CA
 * basicConstraints and keyCertSign, and no unrecognised critical extension on either
 * certificate.
 * Document timestamps are signed by a TSA, not by the CAB, so they are skipped.
 *
 * FAILED/REVOKED when a revocation of the certificate or its issuing CA, logged at any
 * index of `state`, took effect at or before the document's log time; FAILED/NOT_YET_VALID when the document was logged
 * before the validity of a certificate on the path; INDETERMINATE/OUT_OF_BOUNDS_NO_POE
 * when it was logged after one expired; INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND when
 * no registration binds the certificate to the CAB.
 */
export function checkKeyRegistry(state: RegistryState, document: DocumentRecord, signatures: readonly SignatureCheck[]): CheckReport {
  const signers = signatures.filter((signature) => signature.subFilter !== DOCUMENT_TIMESTAMP_SUB_FILTER);
  if (signers.length === 0) {
    return indeterminate('key-registry', 'NO_CERTIFICATE_CHAIN_FOUND', 'the PDF has no signature of the issuing CAB', {
      documentSha256: document.sha256,
      cabCode: document.body.issuer,
    });
  }
  const reports = signers.map((signature, i) => checkSigner(state, document, signature, i + 1));
  const deciding =
    reports.find((report) => report.indication === 'FAILED') ?? reports.find((report) => report.indication === 'INDETERMINATE');
  if (deciding !== undefined) return { ...deciding, evidence: { ...deciding.evidence, signatures: signers.length } };
  const message =
    reports.length === 1
      ? reports[0]!.message
      : `all ${reports.length} signer certificates are registered for CAB ${document.body.issuer} and valid when the document was logged`;
  return passed('key-registry', message, { ...reports[0]!.evidence, signatures: signers.length });
}

function checkSigner(state: RegistryState, document: DocumentRecord, signature: SignatureCheck, ordinal: number): CheckReport {
  const cabCode = document.body.issuer;
  const base: Record<string, string | number | boolean | null> = {
    signature: ordinal,
    cabCode,
    documentIndex: document.index,
    proofOfExistence: formatUtcTime(document.loggedAt),
  };
  if (signature.signerCertificate === undefined) {
    return noChain(`signature ${ordinal} embeds no signer certificate`, base);
  }
  let certificate: ParsedCertificate;
  try {
    certificate = parseCertificate(signature.signerCertificate);
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    return noChain(`the signer certificate of signature ${ordinal} is invalid: ${error.message}`, base);
  }
  const evidence = {
    ...base,
    signerSha256: certificate.sha256,
    signerSubject: certificate.subject,
    notBefore: formatUtcTime(certificate.notBefore),
    notAfter: formatUtcTime(certificate.notAfter),
  };
  const registration = findRegistration(state, document, certificate);
  if ('problem' in registration) return noChain(registration.problem, evidence);
  const pathEvidence = {
    ...evidence,
    path: registration.path,
    registeredIndex: registration.path === 'registered' ? registration.record.index : null,
    caSha256: registration.ca?.sha256 ?? null,
  };

  const revoked = revocationProblem(state, registration, document, certificate);
  if (revoked !== undefined) return failed('key-registry', 'REVOKED', revoked.message, { ...pathEvidence, ...revoked.evidence });
  const validity = validityProblem(registration, document, certificate);
  if (validity !== undefined) return { ...validity, evidence: { ...pathEvidence, ...validity.evidence } };

  const binding =
    registration.path === 'registered' ? `registered for CAB ${cabCode}` : `issued to CAB ${cabCode} by national CA ${registration.ca.subject}`;
  return passed('key-registry', `signer certificate ${certificate.subject} is ${binding} and was valid when the document was logged`, pathEvidence);
}

function noChain(message: string, evidence: CheckEvidence): CheckReport {
  return indeterminate('key-registry', 'NO_CERTIFICATE_CHAIN_FOUND', message, evidence);
}

/** Finds what binds the certificate to the document's issuer as of the document's index. */
function findRegistration(state: RegistryState, document: DocumentRecord, certificate: ParsedCertificate): Registration {
  const { index } = document;
  const cabCode = document.body.issuer;
  const own = state.keyAt(certificate.sha256, index);
  if (own !== undefined) {
    if (own.cabCode !== cabCode) {
      return { problem: `signer certificate ${certificate.subject} is registered for CAB ${own.cabCode}, not for the issuer ${cabCode}` };
    }
    const ca = own.issuerCa === undefined ? undefined : state.caAt(own.issuerCa, index);
    return ca === undefined ? { path: 'registered', record: own } : { path: 'registered', record: own, ca };
  }
  if (state.caAt(certificate.sha256, index) !== undefined) {
    return { problem: `signer certificate ${certificate.subject} is a national CA certificate, not a CAB signing certificate` };
  }
  const cabCountry = state.cabAt(cabCode, index)?.country ?? cabCode.slice(0, 2);
  const candidates = state.casBySubject(certificate.issuerNameHex, index);
  if (candidates.length === 0) {
    return {
      problem: `signer certificate ${certificate.subject} is not registered for CAB ${cabCode}, and its issuer ${certificate.issuer} is no registered national CA`,
    };
  }
  const problems: string[] = [];
  for (const ca of candidates) {
    const problem = chainProblem(certificate, ca, cabCode, cabCountry);
    if (problem === undefined) return { path: 'national-ca', ca };
    problems.push(problem);
  }
  return { problem: `signer certificate ${certificate.subject} has no valid path to a registered national CA: ${problems.join('; ')}` };
}

/** Checks the one-step path from a registered national CA to the signer (RFC 5280 §6.1). */
function chainProblem(certificate: ParsedCertificate, caRecord: CertificateRecord, cabCode: string, cabCountry: string): string | undefined {
  if (caRecord.country !== cabCountry) return `national CA ${caRecord.subject} is of ${caRecord.country}, the CAB of ${cabCountry}`;
  let ca: ParsedCertificate;
  try {
    ca = parseCertificate(caRecord.der);
  } catch (error) {
    if (error instanceof RuleError) return `national CA ${caRecord.sha256} is invalid: ${error.message}`;
    throw error;
  }
  if (!ca.isCa) return `national CA ${ca.subject} is not a CA certificate (basicConstraints cA is not set)`;
  const caCritical = unrecognisedCriticalExtension(ca.der);
  if (caCritical !== undefined) return `national CA ${ca.subject} carries the unrecognised critical extension ${caCritical}`;

  const caUsage = keyUsageOf(ca.der);
  // RFC 5280 §6.1.4 (n): a key usage extension, when present, must assert keyCertSign.
  if (caUsage !== undefined && (caUsage & KeyUsageFlags.keyCertSign) === 0) {
    return `national CA ${ca.subject} may not sign certificates (keyUsage lacks keyCertSign)`;
  }
  try {
    if (!isIssuedBy(certificate, ca)) return `the signature of national CA ${ca.subject} on the certificate does not verify`;
  } catch (error) {
    if (error instanceof RuleError) return error.message;
    throw error;
  }

  if (certificate.isCa) return 'the signer certificate is a CA certificate, not a signing certificate';
  const critical = unrecognisedCriticalExtension(certificate.der);
  if (critical !== undefined) return `the signer certificate carries the unrecognised critical extension ${critical}`;
  const usage = keyUsageOf(certificate.der);
  if (usage !== undefined && (usage & (KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation)) === 0) {
    return 'the signer certificate keyUsage allows neither digitalSignature nor nonRepudiation';
  }

  if (certificate.organizationIdentifier !== cabCode) {
    const named = certificate.organizationIdentifier ?? 'no CAB';
    return `the certificate names ${named} in organizationIdentifier, not the issuer ${cabCode}`;
  }
  if (certificate.country !== undefined && certificate.country !== cabCountry) {
    return `the certificate subject is of ${certificate.country}, the CAB of ${cabCountry}`;
  }
  return undefined;
}

/** OIDs of the extensions this path validation recognises: RFC 5280 §4.2.1 and authorityInfoAccess (§4.2.2.1). */
const RECOGNISED_EXTENSIONS: ReadonlySet<string> = new Set([
  '2.5.29.19', // basicConstraints
  '2.5.29.15', // keyUsage
  '2.5.29.37', // extKeyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.18', // issuerAltName
  '2.5.29.30', // nameConstraints
  '2.5.29.32', // certificatePolicies
  '2.5.29.33', // policyMappings
  '2.5.29.36', // policyConstraints
  '2.5.29.54', // inhibitAnyPolicy
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.31', // cRLDistributionPoints
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

/**
 * Returns the OID of the first critical extension that this validation does not recognise, or undefined.
 * RFC 5280 §4.2 requires rejecting a certificate with an unrecognised critical extension.
 */
function unrecognisedCriticalExtension(der: Uint8Array): string | undefined {
  const extensions = new X509Certificate(new Uint8Array(der)).extensions;
  return extensions.find((extension) => extension.critical && !RECOGNISED_EXTENSIONS.has(extension.type))?.type;
}

/** Key usage bits of a certificate, or undefined when it has no keyUsage extension. */
function keyUsageOf(der: Uint8Array): number | undefined {
  return new X509Certificate(new Uint8Array(der)).getExtension(KeyUsagesExtension)?.usages;
}

/** Applies the revocation rule to the certificate and to the national CA on its path. */
function revocationProblem(
  state: RegistryState,
  registration: Exclude<Registration, { problem: string }>,
  document: DocumentRecord,
  certificate: ParsedCertificate,
): { message: string; evidence: CheckEvidence } | undefined {
  const poe = document.loggedAt;
  const onPath: [string, CertificateRecord][] = [];
  if (registration.path === 'registered') onPath.push([`signer certificate ${certificate.subject}`, registration.record]);
  if (registration.ca !== undefined) onPath.push([`issuing national CA ${registration.ca.subject}`, registration.ca]);
  for (const [what, registered] of onPath) {
    // A revocation logged after the document can still take effect before it (compromisedAt),
    // so the revocation is read from the latest state, not as of the document's index.
    const record = state.certificateAt(registered.sha256) ?? registered;
    const status = keyStatusAt(record, poe);
    if (!status.revoked || status.revocation === undefined) continue;
    const effectiveAt = formatUtcTime(status.revocation.effectiveAt);
    return {
      message: `${what} was revoked (${status.revocation.reason}) from ${effectiveAt}, at or before the document was logged at ${formatUtcTime(poe)}`,
      evidence: {
        revokedSha256: record.sha256,
        revocationIndex: status.revocation.index,
        revocationReason: status.revocation.reason,
        revocationEffectiveAt: effectiveAt,
        compromisedAt: status.revocation.compromisedAt === undefined ? null : formatUtcTime(status.revocation.compromisedAt),
      },
    };
  }
  return undefined;
}

/** Checks that every certificate on the path was valid at the document's log time. */
function validityProblem(
  registration: Exclude<Registration, { problem: string }>,
  document: DocumentRecord,
  certificate: ParsedCertificate,
): CheckReport | undefined {
  const poe = document.loggedAt;
  const onPath: [string, { notBefore: number; notAfter: number; sha256: string }][] = [
    [`signer certificate ${certificate.subject}`, certificate],
  ];
  if (registration.ca !== undefined) onPath.push([`issuing national CA ${registration.ca.subject}`, registration.ca]);
  for (const [what, validity] of onPath) {
    const evidence = { outOfValiditySha256: validity.sha256 };
    if (poe < validity.notBefore) {
      return failed(
        'key-registry',
        'NOT_YET_VALID',
        `the document was logged at ${formatUtcTime(poe)}, before ${what} became valid at ${formatUtcTime(validity.notBefore)}`,
        evidence,
      );
    }
    if (poe > validity.notAfter) {
      return indeterminate(
        'key-registry',
        'OUT_OF_BOUNDS_NO_POE',
        `the document was logged at ${formatUtcTime(poe)}, after ${what} expired at ${formatUtcTime(validity.notAfter)}`,
        evidence,
      );
    }
  }
  return undefined;
}
