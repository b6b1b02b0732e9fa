import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseSignedData, type CmsSignedDataInfo } from './cms.js';
import { findDerViolations } from './der-strict.js';
import { PdfError } from './errors.js';
import { checkSigningCertificate, readSignedAttributes, type SignedAttributes } from './signed-attributes.js';
import {
  checkKeyType,
  cryptoConstraintProblems,
  digestName,
  recoverPkcs1Digest,
  resolveSignatureScheme,
  verifySignatureValue,
  type CryptoPolicy,
  type SignatureScheme,
} from './signature-algorithms.js';
import { eContentBytes, OID_TST_INFO, readMessageImprint } from './timestamp-token.js';
import { formatFailure, type SignatureFinding } from './validation-report.js';

/** id-data (RFC 5652 §4): the eContentType of a detached PDF signature. */
const OID_DATA = '1.2.840.113549.1.7.1';
const CADES_DETACHED = 'ETSI.CAdES.detached';
/** Sub-filter of a document time-stamp (ISO 32000-2 §12.8.5), whose CMS is an RFC 3161 time-stamp token. */
export const DOCUMENT_TIMESTAMP = 'ETSI.RFC3161';

/** Result of checking one CMS signature, for the caller to fold into a SignatureCheck. */
export interface CmsVerification {
  /** The FAILED finding, when there is one; it decides the signature. */
  failure?: SignatureFinding;
  /** Reasons the algorithms fall below the policy (INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE). */
  constraintProblems: string[];
  certificates: Uint8Array[];
  signerCertificate?: Uint8Array;
  digestAlgorithm?: string;
  signatureAlgorithm?: string;
  baselineB: boolean;
}

/**
 * Checks the CMS of a PDF signature over the signed byte ranges: a detached
 * SignedData (RFC 5652, ETSI EN 319 122-1), or for ETSI.RFC3161 a time-stamp
 * token (RFC 3161) whose MessageImprint is the digest of the ranges. The
 * checks run in this order, and the first failure decides. So the
 * sub-indication names the first thing wrong rather than its consequences,
 * since a rewritten CMS also breaks the signature value.
 *
 * 1. Structure, FORMAT_FAILURE: the CMS parses, is detached (a token carries
 *    its TSTInfo instead), has one SignerInfo, and embeds the signer
 *    certificate in strict DER. Signed attributes are strict DER, with
 *    content-type and message-digest, and a signing-certificate(-v2) that
 *    binds the signer certificate (required for CAdES and tokens).
 * 2. message-digest (and a token's MessageImprint) against the digest of the
 *    content, HASH_FAILURE.
 * 3. The signature value, SIG_CRYPTO_FAILURE.
 *
 * An algorithm outside the supported set cannot be checked, so it ends the
 * checks with a crypto-constraint problem (INDETERMINATE) and no failure.
 */
export function verifyCmsSignature(der: Uint8Array, ranges: Uint8Array[], subFilter: string | undefined, policy: CryptoPolicy): CmsVerification {
  const result: CmsVerification = { constraintProblems: [], certificates: [], baselineB: false };

  let info: CmsSignedDataInfo;
  let signedData: pkijs.SignedData;
  try {
    info = parseSignedData(der);
    signedData = parsePkijsSignedData(der);
  } catch (error) {
    result.failure = formatFailure(error instanceof PdfError ? error.message : `CMS does not parse: ${String(error)}`);
    return result;
  }
  result.certificates = info.certificates;
  if (info.signerCertificate) result.signerCertificate = info.signerCertificate;
  result.digestAlgorithm = info.signers[0] ? (digestName(info.signers[0].digestAlgorithm) ?? info.signers[0].digestAlgorithm) : undefined;

  const timestamp = subFilter === DOCUMENT_TIMESTAMP;
  const signerInfo = signedData.signerInfos[0];
  const structure = checkStructure(info, signerInfo, profileOf(subFilter));
  if (typeof structure === 'string') {
    result.failure = formatFailure(structure);
    return result;
  }
  const { key, attributes } = structure;
  result.baselineB = isBaselineB(subFilter, attributes);

  const algorithms = resolveAlgorithms(signerInfo, key, attributes);
  result.signatureAlgorithm = algorithms.signatureAlgorithm;
  if (!algorithms.usable) {
    if (algorithms.failure !== undefined) result.failure = formatFailure(algorithms.failure);
    if (algorithms.unsupported !== undefined) result.constraintProblems.push(algorithms.unsupported);
    return result;
  }
  const { digest, scheme } = algorithms;

  let content = ranges;
  if (timestamp) {
    const tstInfo = eContentBytes(signedData.encapContentInfo.eContent!);
    const imprint = checkMessageImprint(tstInfo, ranges, policy);
    result.constraintProblems.push(...imprint.constraintProblems);
    if (imprint.failure) {
      result.failure = imprint.failure;
      return result;
    }
    content = [tstInfo];
  }
  result.failure = checkDigestAndValue(content, timestamp ? 'TSTInfo' : 'signed byte ranges', digest, scheme, key, signerInfo, attributes);
  result.constraintProblems.push(...cryptoConstraintProblems(digest, scheme, key, policy));
  return result;
}

/**
 * The digest and signature scheme of a SignerInfo, or why they cannot be used:
 * `unsupported` leaves the signature INDETERMINATE and `failure` fails it.
 */
type Algorithms =
  | { usable: true; digest: string; scheme: SignatureScheme; signatureAlgorithm: string }
  | { usable: false; signatureAlgorithm?: string; failure?: string; unsupported?: string };

function resolveAlgorithms(signerInfo: pkijs.SignerInfo, key: KeyObject, attributes: SignedAttributes | undefined): Algorithms {
  const digest = digestName(signerInfo.digestAlgorithm.algorithmId);
  if (digest === undefined) return { usable: false, unsupported: `digest algorithm ${signerInfo.digestAlgorithm.algorithmId} is not supported` };
  const scheme = resolveSignatureScheme(signerInfo.signatureAlgorithm, digest);
  if (typeof scheme === 'string') return { usable: false, signatureAlgorithm: signerInfo.signatureAlgorithm.algorithmId, unsupported: scheme };
  const keyProblem = checkKeyType(scheme, key) ?? checkEd25519Digest(scheme, digest, attributes);
  if (keyProblem !== undefined) return { usable: false, signatureAlgorithm: scheme.family, failure: keyProblem };
  return { usable: true, digest, scheme, signatureAlgorithm: scheme.family };
}

/** Parses the SignedData with pkijs; parseSignedData already proved the ContentInfo is one. */
function parsePkijsSignedData(der: Uint8Array): pkijs.SignedData {
  // Copy, since a small Buffer may be a view into Node's shared pool and pkijs reads `.buffer` whole.
  const asn1 = asn1js.fromBER(new Uint8Array(der).buffer);
  const contentInfo = new pkijs.ContentInfo({ schema: asn1.result });
  return new pkijs.SignedData({ schema: contentInfo.content });
}

/**
 * Checks a time-stamp token's MessageImprint against the byte ranges. An
 * unsupported or weak hash is a constraint problem, which leaves the token
 * INDETERMINATE.
 */
function checkMessageImprint(
  tstInfo: Uint8Array,
  ranges: Uint8Array[],
  policy: CryptoPolicy,
): { failure?: SignatureFinding; constraintProblems: string[] } {
  const imprint = readMessageImprint(tstInfo);
  if (typeof imprint === 'string') return { failure: formatFailure(imprint), constraintProblems: [] };
  const hashName = digestName(imprint.hashAlgorithm);
  if (hashName === undefined) return { constraintProblems: [`MessageImprint hash algorithm ${imprint.hashAlgorithm} is not supported`] };
  const hash = createHash(hashName);
  for (const range of ranges) hash.update(range);
  const computed = hash.digest();
  if (!computed.equals(imprint.hashedMessage)) {
    const message = `MessageImprint ${Buffer.from(imprint.hashedMessage).toString('hex')} is not the ${hashName} of the signed byte ranges, ${computed.toString('hex')}`;
    return { failure: { subIndication: 'HASH_FAILURE', message }, constraintProblems: [] };
  }
  const weak = hashName === 'md5' || (hashName === 'sha1' && !policy.allowSha1);
  return { constraintProblems: weak ? [`MessageImprint hash ${hashName} is below the policy`] : [] };
}

interface Structure {
  key: KeyObject;
  attributes?: SignedAttributes;
}

/** The CMS profile that a sub-filter requires: CAdES, legacy PKCS#7, or an RFC 3161 time-stamp token. */
type CmsProfile = 'cades' | 'pkcs7' | 'timestamp';

function profileOf(subFilter: string | undefined): CmsProfile {
  if (subFilter === DOCUMENT_TIMESTAMP) return 'timestamp';
  if (subFilter === CADES_DETACHED) return 'cades';
  return 'pkcs7';
}

function checkStructure(info: CmsSignedDataInfo, signerInfo: pkijs.SignerInfo | undefined, profile: CmsProfile): Structure | string {
  const contentType = profile === 'timestamp' ? OID_TST_INFO : OID_DATA;
  if (profile === 'timestamp' && !info.eContentPresent) return 'time-stamp token has no TSTInfo eContent';
  if (profile !== 'timestamp' && info.eContentPresent) return 'CMS is not detached: the SignedData carries eContent';
  if (info.eContentType !== contentType) return `CMS eContentType is ${info.eContentType}, want ${contentType}`;
  if (info.signers.length !== 1 || signerInfo === undefined) return `CMS has ${info.signers.length} SignerInfos, want exactly 1`;
  const signerDer = info.signerCertificate;
  if (signerDer === undefined) return 'CMS does not embed the certificate its SignerInfo names';
  const violations = findDerViolations(signerDer);
  if (violations.length > 0) return `signer certificate is not DER: ${violations[0].message} at offset ${violations[0].offset}`;

  let key: KeyObject;
  let certificate: pkijs.Certificate;
  try {
    key = new X509Certificate(signerDer).publicKey;
    certificate = pkijs.Certificate.fromBER(new Uint8Array(signerDer));
  } catch (error) {
    return `signer certificate does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }

  if (signerInfo.signedAttrs === undefined) {
    if (profile !== 'pkcs7') return `${profile === 'cades' ? CADES_DETACHED : DOCUMENT_TIMESTAMP} signature has no signed attributes`;
    return { key };
  }
  const attributes = readSignedAttributes(signerInfo.signedAttrs);
  if (typeof attributes === 'string') return attributes;
  if (attributes.contentType === undefined) return 'signed attributes lack content-type';
  if (attributes.contentType !== contentType) return `content-type attribute is ${attributes.contentType}, want ${contentType}`;
  if (attributes.messageDigest === undefined) return 'signed attributes lack message-digest';
  if (attributes.signingCertificate !== undefined) {
    const binding = checkSigningCertificate(attributes.signingCertificate, signerDer, certificate);
    if (binding !== undefined) return binding;
  } else if (profile !== 'pkcs7') {
    return `${profile === 'cades' ? CADES_DETACHED : DOCUMENT_TIMESTAMP} signature has no signing-certificate-v2 attribute binding the signer certificate`;
  }
  return { key, attributes };
}

/** RFC 8419 §3.1: with signed attributes, an Ed25519 SignerInfo's digest is SHA-512. */
function checkEd25519Digest(scheme: SignatureScheme, digest: string, attributes: SignedAttributes | undefined): string | undefined {
  if (scheme.family !== 'Ed25519' || attributes === undefined || digest === 'sha512') return undefined;
  return `Ed25519 SignerInfo uses digest ${digest}, want sha512`;
}

/** Compares message-digest with the digest of `content`, then verifies the signature value. */
function checkDigestAndValue(
  content: Uint8Array[],
  contentName: string,
  digest: string,
  scheme: SignatureScheme,
  key: KeyObject,
  signerInfo: pkijs.SignerInfo,
  attributes: SignedAttributes | undefined,
): SignatureFinding | undefined {
  const hash = createHash(digest);
  for (const chunk of content) hash.update(chunk);
  const computed = hash.digest();
  const signature = new Uint8Array(signerInfo.signature.valueBlock.valueHexView);

  if (attributes !== undefined) {
    if (!computed.equals(attributes.messageDigest!)) {
      return {
        subIndication: 'HASH_FAILURE',
        message: `message-digest ${Buffer.from(attributes.messageDigest!).toString('hex')} is not the ${digest} of the ${contentName}, ${computed.toString('hex')}`,
      };
    }
    if (!verifySignatureValue(scheme, key, [attributes.encoded], signature)) {
      return { subIndication: 'SIG_CRYPTO_FAILURE', message: `${scheme.family} signature value over the signed attributes does not verify` };
    }
    return undefined;
  }

  // Without signed attributes the signature covers the content itself.
  if (verifySignatureValue(scheme, key, content, signature)) return undefined;
  const recovered = scheme.family === 'RSASSA-PKCS1-v1_5' ? recoverPkcs1Digest(key, signature) : undefined;
  if (recovered !== undefined && recovered.length === computed.length && !computed.equals(recovered)) {
    return {
      subIndication: 'HASH_FAILURE',
      message: `signature value carries ${digest} ${Buffer.from(recovered).toString('hex')}, not the digest of the signed byte ranges, ${computed.toString('hex')}`,
    };
  }
  return { subIndication: 'SIG_CRYPTO_FAILURE', message: `${scheme.family} signature value over the ${contentName} does not verify` };
}

/** PAdES-BASELINE-B (ETSI EN 319 142-1 §6.3): CAdES subfilter, signing-certificate-v2, no signing-time. */
function isBaselineB(subFilter: string | undefined, attributes: SignedAttributes | undefined): boolean {
  return (
    subFilter === CADES_DETACHED &&
    attributes !== undefined &&
    attributes.signingCertificate?.version === 2 &&
    !attributes.hasSigningTime
  );
}
