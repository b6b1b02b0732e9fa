import { createHash, sign as nodeSign, webcrypto } from 'node:crypto';

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

import { OID_SIGNED_DATA } from './cms.js';
import { PdfSignError } from './sign-errors.js';
import { encodeSigningCertificateV2, OID_SIGNING_CERTIFICATE_V2 } from './signing-certificate-v2.js';
import { toCryptoKey, type DigestName, type SigningKey } from './signing-key.js';

/** id-data (RFC 5652 §4). */
export const OID_DATA = '1.2.840.113549.1.7.1';
/** id-contentType (RFC 5652 §11.1). */
export const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
/** id-messageDigest (RFC 5652 §11.2). */
export const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
/** id-sha512 (RFC 5754 §2.4). */
const OID_SHA512 = '2.16.840.1.101.3.4.2.3';
/** id-Ed25519 (RFC 8410 §3). */
const OID_ED25519 = '1.3.101.112';

const NODE_DIGESTS: Readonly<Record<DigestName, string>> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** One signer of a SignedData. */
export interface CmsSignerInput {
  key: SigningKey;
  /** The signer certificate as DER; the SignerInfo names it by issuer and serial number. */
  certificate: Uint8Array;
  /**
   * The signed attributes in any order; they are sorted into DER SET OF order.
   * Normally `baselineSignedAttributes(...)`.
   */
  signedAttributes: pkijs.Attribute[];
}

export interface SignedDataInput {
  signers: CmsSignerInput[];
  /** Certificates to embed as DER, signer certificates first; each is embedded unchanged. */
  certificates: Uint8Array[];
  /**
   * Content to carry inside the SignedData as eContent. A PAdES signature is
   * detached and leaves this unset; it exists to build non-conforming CMS for
   * validator tests.
   */
  encapsulatedContent?: Uint8Array;
}

/** Hashes `parts` as one byte string with `digest`. */
export function digestParts(digest: DigestName, parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash(NODE_DIGESTS[digest]);
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/**
 * Builds the signed attributes of a CAdES-BASELINE-B signature (ETSI EN 319
 * 122-1 §6.3): content-type id-data, message-digest and signing-certificate-v2.
 * It adds no signing-time, since PAdES forbids it and uses the /M entry of the
 * signature dictionary instead (ETSI EN 319 142-1 §6.3).
 */
export function baselineSignedAttributes(messageDigest: Uint8Array, certificateDer: Uint8Array): pkijs.Attribute[] {
  return [
    new pkijs.Attribute({ type: OID_CONTENT_TYPE, values: [new asn1js.ObjectIdentifier({ value: OID_DATA })] }),
    new pkijs.Attribute({ type: OID_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: new Uint8Array(messageDigest) })] }),
    signingCertificateV2Attribute(certificateDer),
  ];
}

/** Builds the signing-certificate-v2 attribute for `certificateDer`. */
export function signingCertificateV2Attribute(certificateDer: Uint8Array): pkijs.Attribute {
  const value = asn1js.fromBER(encodeSigningCertificateV2(certificateDer)).result;
  return new pkijs.Attribute({ type: OID_SIGNING_CERTIFICATE_V2, values: [value] });
}

/**
 * Builds and signs a CMS ContentInfo holding a SignedData (RFC 5652 §5) and
 * returns its DER. RSA and ECDSA signers are signed by pkijs through
 * WebCrypto. Ed25519 signers are signed here with node:crypto, because pkijs 4
 * has no Ed25519 mapping. They follow RFC 8419 §3: the signature algorithm is
 * id-Ed25519 with absent parameters, and the signature covers the DER of the
 * signed attributes.
 *
 * @throws PdfSignError `invalid_certificate` when a certificate does not parse
 *   or pkijs would not embed it byte for byte.
 */
export async function buildSignedData(input: SignedDataInput): Promise<Uint8Array> {
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: OID_DATA,
      ...(input.encapsulatedContent === undefined
        ? {}
        : { eContent: new asn1js.OctetString({ valueHex: new Uint8Array(input.encapsulatedContent) }) }),
    }),
    certificates: input.certificates.map((der, index) => parseCertificate(der, `certificate ${index + 1}`)),
    signerInfos: input.signers.map(unsignedSignerInfo),
  });

  const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'] });
  for (const [index, signer] of input.signers.entries()) {
    if (signer.key.profile.kind === 'ed25519') signEd25519(signedData, index, signer);
    else await signedData.sign(await toCryptoKey(signer.key), index, signer.key.profile.digest, undefined, engine);
  }

  const contentInfo = new pkijs.ContentInfo({ contentType: OID_SIGNED_DATA, content: signedData.toSchema(true) });
  const der = new Uint8Array(contentInfo.toSchema().toBER());
  checkCertificatesEmbedded(der, input.certificates);
  return der;
}

function unsignedSignerInfo(signer: CmsSignerInput): pkijs.SignerInfo {
  const certificate = parseCertificate(signer.certificate, 'signer certificate');
  return new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sortedForDer(signer.signedAttributes) }),
  });
}

/** Orders the attributes by their encodings, as DER requires of a SET OF (X.690 §11.6). */
function sortedForDer(attributes: pkijs.Attribute[]): pkijs.Attribute[] {
  const encoded = attributes.map((attribute) => ({ attribute, der: Buffer.from(attribute.toSchema().toBER()) }));
  encoded.sort((a, b) => Buffer.compare(a.der, b.der));
  return encoded.map((entry) => entry.attribute);
}

function signEd25519(signedData: pkijs.SignedData, index: number, signer: CmsSignerInput): void {
  const signerInfo = signedData.signerInfos[index];
  // RFC 5754 §2: SHA-2 identifiers are generated with absent parameters.
  const sha512 = new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA512 });
  if (!signedData.digestAlgorithms.some((algorithm) => algorithm.algorithmId === OID_SHA512)) {
    signedData.digestAlgorithms.push(sha512);
  }
  signerInfo.digestAlgorithm = sha512;
  signerInfo.signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: OID_ED25519 });

  // The signature covers the attributes with the SET OF tag 0x31 in place of
  // the [0] IMPLICIT tag they carry inside the SignerInfo (RFC 5652 §5.4).
  const signedAttributes = new Uint8Array(signerInfo.signedAttrs!.toSchema().toBER());
  signedAttributes[0] = 0x31;
  const signature = nodeSign(null, signedAttributes, signer.key.keyObject);
  signerInfo.signature = new asn1js.OctetString({ valueHex: new Uint8Array(signature) });
}

function parseCertificate(der: Uint8Array, description: string): pkijs.Certificate {
  try {
    return pkijs.Certificate.fromBER(new Uint8Array(der));
  } catch (error) {
    throw new PdfSignError('invalid_certificate', `${description} is not a DER X.509 certificate: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Checks that every certificate sits in the CMS unchanged. signing-certificate-v2
 * hashes the caller's bytes, and pkijs re-encodes what it parsed, so a
 * certificate that is not strict DER would no longer match its hash.
 */
function checkCertificatesEmbedded(cms: Uint8Array, certificates: Uint8Array[]): void {
  const haystack = Buffer.from(cms.buffer, cms.byteOffset, cms.length);
  for (const [index, der] of certificates.entries()) {
    if (haystack.indexOf(der) < 0) {
      throw new PdfSignError('invalid_certificate', `certificate ${index + 1} is not strict DER: pkijs changed its encoding when embedding it`);
    }
  }
}
