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
import { formatFailure, type SignatureFinding } from './validation-report.js';

/** id-data (RFC 5652 §4): the eContentType of a detached PDF signature. */
const OID_DATA = '1.2.840.113549.1.7.1';
const CADES_DETACHED = 'ETSI.CAdES.detached';

/** What checking one CMS signature found, for the caller to fold into a SignatureCheck. */
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
 * Checks the CMS of a detached PDF signature (RFC 5652, ETSI EN 319 122-1)
 * over the signed byte ranges. The checks run in this order, and the first
 * failure decides, so the sub-indication names the first thing wrong rather
 * than its consequences (a rewritten CMS also breaks the signature value):
 *
 * 1. structure, FORMAT_FAILURE: parses, detached, one SignerInfo, signer
 *    certificate embedded and strict DER, signed attributes strict DER with
 *    content-type id-data and message-digest, signing-certificate(-v2) binding
 *    the signer certificate (required for ETSI.CAdES.detached);
 * 2. message-digest against the digest of the ranges, HASH_FAILURE;
 * 3. the signature value, SIG_CRYPTO_FAILURE.
 *
 * An algorithm outside the supported set cannot be checked, so it ends the
 * checks with a crypto-constraint problem (INDETERMINATE) and no failure.
 */
export function verifyCmsSignature(der: Uint8Array, ranges: Uint8Array[], subFilter: string | undefined, policy: CryptoPolicy): CmsVerification {
  const result: CmsVerification = { constraintProblems: [], certificates: [], baselineB: false };

  let info: CmsSignedDataInfo;
  let signerInfo: pkijs.SignerInfo;
  try {
    info = parseSignedData(der);
    signerInfo = parseSignerInfos(der)[0];
  } catch (error) {
    result.failure = formatFailure(error instanceof PdfError ? error.message : `CMS does not parse: ${String(error)}`);
    return result;
  }
  result.certificates = info.certificates;
  if (info.signerCertificate) result.signerCertificate = info.signerCertificate;
  result.digestAlgorithm = info.signers[0] ? (digestName(info.signers[0].digestAlgorithm) ?? info.signers[0].digestAlgorithm) : undefined;

  const structure = checkStructure(info, signerInfo, subFilter);
  if (typeof structure === 'string') {
    result.failure = formatFailure(structure);
    return result;
  }
  const { key, attributes } = structure;
  result.baselineB = isBaselineB(subFilter, attributes);

  const digest = digestName(signerInfo.digestAlgorithm.algorithmId);
  if (digest === undefined) {
    result.constraintProblems.push(`digest algorithm ${signerInfo.digestAlgorithm.algorithmId} is not supported`);
    return result;
  }
  const scheme = resolveSignatureScheme(signerInfo.signatureAlgorithm, digest);
  if (typeof scheme === 'string') {
    result.signatureAlgorithm = signerInfo.signatureAlgorithm.algorithmId;
    result.constraintProblems.push(scheme);
    return result;
  }
  result.signatureAlgorithm = scheme.family;
  const keyProblem = checkKeyType(scheme, key) ?? checkEd25519Digest(scheme, digest, attributes);
  if (keyProblem !== undefined) {
    result.failure = formatFailure(keyProblem);
    return result;
  }
  result.failure = checkDigestAndValue(ranges, digest, scheme, key, signerInfo, attributes);
  result.constraintProblems.push(...cryptoConstraintProblems(digest, scheme, key, policy));
  return result;
}

/** Parses the SignerInfos with pkijs; parseSignedData already proved the ContentInfo is a SignedData. */
function parseSignerInfos(der: Uint8Array): pkijs.SignerInfo[] {
  // Copy, since a small Buffer may be a view into Node's shared pool and pkijs reads `.buffer` whole.
  const asn1 = asn1js.fromBER(new Uint8Array(der).buffer);
  const contentInfo = new pkijs.ContentInfo({ schema: asn1.result });
  return new pkijs.SignedData({ schema: contentInfo.content }).signerInfos;
}

interface Structure {
  key: KeyObject;
  certificate: pkijs.Certificate;
  attributes?: SignedAttributes;
}

function checkStructure(info: CmsSignedDataInfo, signerInfo: pkijs.SignerInfo | undefined, subFilter: string | undefined): Structure | string {
  if (info.eContentPresent) return 'CMS is not detached: the SignedData carries eContent';
  if (info.eContentType !== OID_DATA) return `CMS eContentType is ${info.eContentType}, want id-data ${OID_DATA}`;
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
    if (subFilter === CADES_DETACHED) return `${CADES_DETACHED} signature has no signed attributes`;
    return { key, certificate };
  }
  const attributes = readSignedAttributes(signerInfo.signedAttrs);
  if (typeof attributes === 'string') return attributes;
  if (attributes.contentType === undefined) return 'signed attributes lack content-type';
  if (attributes.contentType !== OID_DATA) return `content-type attribute is ${attributes.contentType}, want id-data ${OID_DATA}`;
  if (attributes.messageDigest === undefined) return 'signed attributes lack message-digest';
  if (attributes.signingCertificate !== undefined) {
    const binding = checkSigningCertificate(attributes.signingCertificate, signerDer, certificate);
    if (binding !== undefined) return binding;
  } else if (subFilter === CADES_DETACHED) {
    return `${CADES_DETACHED} signature has no signing-certificate-v2 attribute binding the signer certificate`;
  }
  return { key, certificate, attributes };
}

/** RFC 8419 §3.1: with signed attributes, an Ed25519 SignerInfo's digest is SHA-512. */
function checkEd25519Digest(scheme: SignatureScheme, digest: string, attributes: SignedAttributes | undefined): string | undefined {
  if (scheme.family !== 'Ed25519' || attributes === undefined || digest === 'sha512') return undefined;
  return `Ed25519 SignerInfo uses digest ${digest}, want sha512`;
}

function checkDigestAndValue(
  ranges: Uint8Array[],
  digest: string,
  scheme: SignatureScheme,
  key: KeyObject,
  signerInfo: pkijs.SignerInfo,
  attributes: SignedAttributes | undefined,
): SignatureFinding | undefined {
  const hash = createHash(digest);
  for (const range of ranges) hash.update(range);
  const computed = hash.digest();
  const signature = new Uint8Array(signerInfo.signature.valueBlock.valueHexView);

  if (attributes !== undefined) {
    if (!computed.equals(attributes.messageDigest!)) {
      return {
        subIndication: 'HASH_FAILURE',
        message: `message-digest ${Buffer.from(attributes.messageDigest!).toString('hex')} is not the ${digest} of the signed byte ranges, ${computed.toString('hex')}`,
      };
    }
    if (!verifySignatureValue(scheme, key, [attributes.encoded], signature)) {
      return { subIndication: 'SIG_CRYPTO_FAILURE', message: `${scheme.family} signature value over the signed attributes does not verify` };
    }
    return undefined;
  }

  // Without signed attributes the signature covers the content itself.
  if (verifySignatureValue(scheme, key, ranges, signature)) return undefined;
  const recovered = scheme.family === 'RSASSA-PKCS1-v1_5' ? recoverPkcs1Digest(key, signature) : undefined;
  if (recovered !== undefined && recovered.length === computed.length && !computed.equals(recovered)) {
    return {
      subIndication: 'HASH_FAILURE',
      message: `signature value carries ${digest} ${Buffer.from(recovered).toString('hex')}, not the digest of the signed byte ranges, ${computed.toString('hex')}`,
    };
  }
  return { subIndication: 'SIG_CRYPTO_FAILURE', message: `${scheme.family} signature value over the signed byte ranges does not verify` };
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
