import 'reflect-metadata';

import { BasicConstraintsExtension, X509Certificate } from '@peculiar/x509';

import type { SampleCertificate } from './samples.js';

/** The outcome the scenario expects of a `cabkey.register` of a sample certificate, and why. */
export interface CertificateExpectation {
  expected: 'accepted' | string;
  reason: string;
}

/** organizationIdentifier (X.520), which binds a CAB certificate to its CAB code. */
const ORGANIZATION_IDENTIFIER = '2.5.4.97';

/**
 * Derives the outcome the hub must return when a registrar registers a sample signer certificate
 * for CAB `cab` at time `now`, from the certificate's own facts, in the order the registry
 * checks them: a certificate that is not strict DER is invalid whatever else it says; then
 * its validity window; then whether it is registered already; then the CAB binding of a
 * certificate that no registered national CA issued (no CA certificate, and any subject
 * organizationIdentifier must match the CAB; its country may differ).
 */
export function expectRegistration(
  certificate: SampleCertificate,
  cab: { code: string; country: string },
  now: number,
  alreadyRegistered: boolean,
): CertificateExpectation {
  if (!certificate.parses) return { expected: 'certificate_invalid', reason: `does not parse: ${certificate.parseError ?? ''}` };
  if (certificate.derViolations.length > 0) {
    return { expected: 'certificate_invalid', reason: `not strict DER: ${certificate.derViolations[0]}` };
  }
  const notBefore = Date.parse(certificate.notBefore!);
  const notAfter = Date.parse(certificate.notAfter!);
  if (now < notBefore) return { expected: 'certificate_not_yet_valid', reason: `valid from ${certificate.notBefore}` };
  if (now > notAfter) return { expected: 'certificate_expired', reason: `expired at ${certificate.notAfter}` };
  if (alreadyRegistered) return { expected: 'certificate_exists', reason: 'registered by an earlier run' };

  const parsed = new X509Certificate(new Uint8Array(certificate.der));
  if (parsed.getExtension(BasicConstraintsExtension)?.ca === true) {
    return { expected: 'not_end_entity', reason: 'a CA certificate cannot be a CAB signing certificate' };
  }
  const organizationIdentifier = parsed.subjectName.getField(ORGANIZATION_IDENTIFIER)[0];
  if (organizationIdentifier !== undefined && organizationIdentifier !== cab.code) {
    return { expected: 'cab_code_mismatch', reason: `organizationIdentifier ${organizationIdentifier} is not ${cab.code}` };
  }
  return { expected: 'accepted', reason: `valid until ${certificate.notAfter}` };
}
