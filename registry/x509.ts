import 'reflect-metadata';

import { createPublicKey, verify, X509Certificate as OpenSslCertificate } from 'node:crypto';

import { BasicConstraintsExtension, X509Certificate } from '@peculiar/x509';
import * as asn1js from 'asn1js';

import { sha256 } from '../ledger/hash.js';
import { toHex } from './encoding.js';
import { RuleError } from './errors.js';
import { formatUtcTime } from './formats.js';

/** OID of the X.520 organizationIdentifier attribute, which carries a CAB's code. */
export const ORGANIZATION_IDENTIFIER_OID = '2.5.4.97';

/** Maximum DER size accepted; certificates in the log are far smaller. */
export const MAX_CERTIFICATE_SIZE = 12_288;

/** The facts of an X.509 certificate that the registry rules and checks use. */
export interface ParsedCertificate {
  der: Uint8Array;
  /** SHA-256 of the DER, lowercase hex: the certificate's identity in the registry. */
  sha256: string;
  subject: string;
  issuer: string;
  /** DER of the subject and issuer Names, hex, for exact name matching. */
  subjectNameHex: string;
  issuerNameHex: string;
  /** Subject countryName (C), when present once. */
  country?: string;
  /** Subject organizationIdentifier (2.5.4.97), when present once. */
  organizationIdentifier?: string;
  notBefore: number;
  notAfter: number;
  /** basicConstraints cA. */
  isCa: boolean;
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** The exact tbsCertificate bytes the issuer signed. */
  tbs: Uint8Array;
  signatureAlgorithm: string;
  signature: Uint8Array;
}

/**
 * Parses a DER certificate. The bytes are attacker-controlled, so every parser failure
 * becomes a RuleError `certificate_invalid` naming why.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  if (der.length > MAX_CERTIFICATE_SIZE) {
    throw invalid(`certificate is ${der.length} bytes, maximum ${MAX_CERTIFICATE_SIZE}`);
  }
  const copy = new Uint8Array(der);
  const outer = parseOuterStructure(copy);
  requireStrictDer(copy);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(copy);
  } catch (cause) {
    throw invalid(`certificate does not parse: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
  const basicConstraints = certificate.getExtension(BasicConstraintsExtension);
  return {
    der: copy,
    sha256: toHex(sha256(copy)),
    subject: certificate.subject,
    issuer: certificate.issuer,
    subjectNameHex: toHex(new Uint8Array(certificate.subjectName.toArrayBuffer())),
    issuerNameHex: toHex(new Uint8Array(certificate.issuerName.toArrayBuffer())),
    country: singleField(certificate, 'C'),
    organizationIdentifier: singleField(certificate, ORGANIZATION_IDENTIFIER_OID),
    notBefore: certificate.notBefore.getTime(),
    notAfter: certificate.notAfter.getTime(),
    isCa: basicConstraints?.ca === true,
    spki: new Uint8Array(certificate.publicKey.rawData),
    ...outer,
  };
}

/**
 * Rejects certificates that are not strict DER. @peculiar/x509 and asn1js accept BER leniencies
 * such as an INTEGER serial number with a redundant leading zero byte, which other verifiers
 * reject; OpenSSL's DER decoder (through node:crypto) does not, so a certificate must pass both.
 */
function requireStrictDer(der: Uint8Array): void {
  try {
    new OpenSslCertificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  } catch (cause) {
    throw invalid('certificate is not strict DER X.509: the OpenSSL decoder rejects it', cause);
  }
}

/**
 * Checks that `time` (epoch ms) is inside the certificate's validity window.
 * @throws RuleError `certificate_not_yet_valid` or `certificate_expired`.
 */
export function checkValidityAt(certificate: ParsedCertificate, time: number): void {
  const evidence = {
    sha256: certificate.sha256,
    notBefore: formatUtcTime(certificate.notBefore),
    notAfter: formatUtcTime(certificate.notAfter),
    time: formatUtcTime(time),
  };
  if (time < certificate.notBefore) {
    throw new RuleError('certificate_not_yet_valid', `certificate is valid from ${evidence.notBefore}, not at ${evidence.time}`, evidence);
  }
  if (time > certificate.notAfter) {
    throw new RuleError('certificate_expired', `certificate expired at ${evidence.notAfter}, before ${evidence.time}`, evidence);
  }
}

/** Node signature algorithm of each supported certificate signature OID. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, { hash: string | null; name: string }>> = {
  '1.2.840.113549.1.1.11': { hash: 'sha256', name: 'sha256WithRSAEncryption' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', name: 'sha384WithRSAEncryption' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', name: 'sha512WithRSAEncryption' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', name: 'ecdsa-with-SHA256' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', name: 'ecdsa-with-SHA384' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', name: 'ecdsa-with-SHA512' },
  '1.3.101.112': { hash: null, name: 'Ed25519' },
};

/**
 * Checks the certificate's signature with the issuer certificate's public key, and that
 * its issuer name is the issuer's subject. Synchronous (node:crypto), so rules stay pure
 * functions. RSASSA-PSS and SHA-1 are not supported.
 * @throws RuleError `unsupported_signature_algorithm`.
 */
export function isIssuedBy(
  certificate: ParsedCertificate,
  issuer: Pick<ParsedCertificate, 'subjectNameHex' | 'spki'>,
): boolean {
  if (certificate.issuerNameHex !== issuer.subjectNameHex) return false;
  const algorithm = SIGNATURE_ALGORITHMS[certificate.signatureAlgorithm];
  if (algorithm === undefined) {
    throw new RuleError(
      'unsupported_signature_algorithm',
      `certificate signature algorithm ${certificate.signatureAlgorithm} is not supported`,
      { sha256: certificate.sha256, algorithm: certificate.signatureAlgorithm },
    );
  }
  try {
    const key = createPublicKey({ key: Buffer.from(issuer.spki), format: 'der', type: 'spki' });
    return verify(algorithm.hash, certificate.tbs, key, certificate.signature);
  } catch {
    // A key of another type than the algorithm, or a malformed signature value.
    return false;
  }
}

/** Splits Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1). */
function parseOuterStructure(der: Uint8Array): Pick<ParsedCertificate, 'tbs' | 'signatureAlgorithm' | 'signature'> {
  const decoded = asn1js.fromBER(der);
  if (decoded.offset === -1 || decoded.result.error) {
    throw invalid(`certificate is not DER: ${decoded.result.error || 'decoding failed'}`);
  }
  if (decoded.offset !== der.length) {
    throw invalid(`certificate has ${der.length - decoded.offset} bytes after its DER structure`);
  }
  const outer = decoded.result;
  if (!(outer instanceof asn1js.Sequence) || outer.valueBlock.value.length !== 3) {
    throw invalid('certificate is not a SEQUENCE of three elements');
  }
  const [tbs, algorithm, signature] = outer.valueBlock.value as [asn1js.AsnType, asn1js.AsnType, asn1js.AsnType];
  if (!(tbs instanceof asn1js.Sequence)) throw invalid('tbsCertificate is not a SEQUENCE');
  if (!(algorithm instanceof asn1js.Sequence)) throw invalid('signatureAlgorithm is not a SEQUENCE');
  const oid = algorithm.valueBlock.value[0];
  if (!(oid instanceof asn1js.ObjectIdentifier)) throw invalid('signatureAlgorithm has no OID');
  if (!(signature instanceof asn1js.BitString) || signature.valueBlock.unusedBits !== 0) {
    throw invalid('signatureValue is not a BIT STRING of whole bytes');
  }
  return {
    tbs: new Uint8Array(tbs.valueBeforeDecodeView),
    signatureAlgorithm: oid.valueBlock.toString(),
    signature: new Uint8Array(signature.valueBlock.valueHexView),
  };
}

function singleField(certificate: X509Certificate, field: string): string | undefined {
  const values = certificate.subjectName.getField(field);
  if (values.length > 1) throw invalid(`certificate subject has ${values.length} ${field} attributes, want at most one`);
  return values[0];
}

function invalid(reason: string, cause?: unknown): RuleError {
  return new RuleError('certificate_invalid', reason, { reason }, { cause });
}
