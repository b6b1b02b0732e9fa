import 'reflect-metadata';
import { createHash, KeyObject, sign, webcrypto, constants } from 'node:crypto';
import { PDFDocument, PDFHexString, PDFString } from '@cantoo/pdf-lib';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SIGNING_CERTIFICATE_V2, OID_SIGNING_TIME } from '../../pdf/signed-attributes.js';
import { findSignatures } from '../../pdf/signatures.js';
import { rewriteByteRange, writeContents } from './validate-fixtures.js';

/**
 * A minimal CAdES-style CMS builder for tests: it signs the byte ranges of an
 * already prepared PDF with node:crypto, so the validator's RSA-PSS, ECDSA and
 * Ed25519 paths meet real signatures without the project's signer.
 */
export type KeyKind = 'rsa-pss' | 'ecdsa-p256' | 'ed25519' | 'rsa-1024';

export interface TestSigner {
  kind: KeyKind;
  certificate: Uint8Array;
  privateKey: KeyObject;
}

const ALGORITHMS: Record<KeyKind, RsaHashedKeyGenParams | EcKeyGenParams | Algorithm> = {
  'rsa-pss': { name: 'RSA-PSS', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) } as RsaHashedKeyGenParams,
  'rsa-1024': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]) } as RsaHashedKeyGenParams,
  'ecdsa-p256': { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams,
  ed25519: { name: 'Ed25519' },
};

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ed25519: '1.3.101.112',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
};

/** P-256 group order, for turning an ECDSA S into its high or low twin. */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

export async function createSigner(kind: KeyKind): Promise<TestSigner> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const algorithm = ALGORITHMS[kind];
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const signingAlgorithm = kind === 'rsa-pss' ? { ...algorithm, saltLength: 32 } : kind === 'ecdsa-p256' ? { ...algorithm, hash: 'SHA-256' } : algorithm;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0102',
    name: `CN=validate test ${kind}`,
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
    keys,
    signingAlgorithm,
  });
  return { kind, certificate: new Uint8Array(certificate.rawData), privateKey: KeyObject.from(keys.privateKey) };
}

export interface SignOptions {
  /** Which ECDSA S to write: 'high' (above n/2) or 'low'. */
  ecdsaS?: 'high' | 'low';
  signingTime?: boolean;
}

/** Signs the first signature's byte ranges of `pdf` and writes the CMS into its /Contents. */
export function signPdf(pdf: Uint8Array, signer: TestSigner, options: SignOptions = {}): Uint8Array {
  const [placeholder] = findSignatures(pdf).signatures;
  const digestName = signer.kind === 'ed25519' ? 'sha512' : 'sha256';
  const digest = digestRanges(pdf, placeholder.byteRange, digestName);
  return writeContents(pdf, buildCms(signer, { contentType: OID.data, content: digest, digestName, ...options }));
}

/**
 * Appends an incremental update with a document timestamp field (ISO 32000-2
 * §12.8.5) and fills it with an RFC 3161 token whose TSTInfo the test signer
 * signs, as a time-stamping authority would.
 */
export async function addDocumentTimestamp(
  pdf: Uint8Array,
  signer: TestSigner,
  options: { wrongImprint?: boolean; dictionaryType?: 'DocTimeStamp' | 'Sig' } = {},
): Promise<Uint8Array> {
  const document = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
  const placeholder = '9'.repeat(10);
  const value = document.context.register(
    document.context.obj({
      Type: options.dictionaryType ?? 'DocTimeStamp',
      Filter: 'Adobe.PPKLite',
      SubFilter: 'ETSI.RFC3161',
      ByteRange: [0, Number(placeholder), Number(placeholder), Number(placeholder)],
      Contents: PDFHexString.of('0'.repeat(8192)),
    }),
  );
  const field = document.context.register(document.context.obj({ FT: 'Sig', T: PDFString.of('Timestamp1'), V: value }));
  document.catalog.getOrCreateAcroForm().addField(field);
  let updated = new Uint8Array(await document.commit({ useObjectStreams: false }));

  const { start, end } = findSignatures(updated).signatures.at(-1)!.contentsRange!;
  const byteRange = [0, start, end, updated.length - end];
  updated = rewriteByteRange(updated, byteRange, 'last');
  const digest = digestRanges(updated, byteRange, 'sha256');
  if (options.wrongImprint) digest[0] ^= 1;
  const tstInfo = new pkijs.TSTInfo({
    version: 1,
    policy: '1.2.3.4.1',
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: digest }),
    }),
    serialNumber: new asn1js.Integer({ value: 1 }),
    genTime: new Date('2026-01-01T00:00:00Z'),
  });
  const encoded = new Uint8Array(tstInfo.toSchema().toBER());
  const cms = buildCms(signer, { contentType: OID.tstInfo, content: createHash('sha256').update(encoded).digest(), digestName: 'sha256', eContent: encoded });
  return writeContents(updated, cms, -1);
}

function digestRanges(pdf: Uint8Array, byteRange: number[], digestName: string): Buffer {
  const [, a, b, c] = byteRange;
  return createHash(digestName).update(pdf.subarray(0, a)).update(pdf.subarray(b, b + c)).digest();
}

interface CmsOptions extends SignOptions {
  contentType: string;
  /** Digest of the signed content, for the message-digest attribute. */
  content: Buffer;
  digestName: 'sha256' | 'sha512';
  /** Encapsulated content; the CMS is detached without it. */
  eContent?: Uint8Array;
}

function buildCms(signer: TestSigner, options: CmsOptions): Uint8Array {
  const certificate = pkijs.Certificate.fromBER(new Uint8Array(signer.certificate));
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: attributes(options, signer.certificate) });
  const toSign = new Uint8Array(signedAttrs.toSchema().toBER());
  toSign[0] = 0x31;
  const { algorithm, value } = signValue(signer, toSign, options);

  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: options.digestName === 'sha512' ? OID.sha512 : OID.sha256 }),
    signedAttrs,
    signatureAlgorithm: algorithm,
    signature: new asn1js.OctetString({ valueHex: value }),
  });
  const encapContentInfo = new pkijs.EncapsulatedContentInfo({ eContentType: options.contentType });
  if (options.eContent) encapContentInfo.eContent = new asn1js.OctetString({ valueHex: options.eContent });
  const signedData = new pkijs.SignedData({
    version: options.eContent ? 3 : 1,
    digestAlgorithms: [signerInfo.digestAlgorithm],
    encapContentInfo,
    certificates: [certificate],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return new Uint8Array(contentInfo.toSchema().toBER());
}

function attributes(options: CmsOptions, certificate: Uint8Array): pkijs.Attribute[] {
  const certHash = createHash('sha256').update(certificate).digest();
  // SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { certHash } }, SHA-256 being the default hash.
  const signingCertificate = new asn1js.Sequence({
    value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: certHash })] })] })],
  });
  const list = [
    new pkijs.Attribute({ type: OID_CONTENT_TYPE, values: [new asn1js.ObjectIdentifier({ value: options.contentType })] }),
    new pkijs.Attribute({ type: OID_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: options.content })] }),
    new pkijs.Attribute({ type: OID_SIGNING_CERTIFICATE_V2, values: [signingCertificate] }),
  ];
  if (options.signingTime) {
    list.push(new pkijs.Attribute({ type: OID_SIGNING_TIME, values: [new asn1js.UTCTime({ valueDate: new Date('2026-01-01T00:00:00Z') })] }));
  }
  return list;
}

function signValue(signer: TestSigner, data: Uint8Array, options: SignOptions): { algorithm: pkijs.AlgorithmIdentifier; value: Uint8Array } {
  const key = signer.privateKey;
  switch (signer.kind) {
    case 'rsa-1024':
      return { algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256WithRsa }), value: sign('sha256', data, key) };
    case 'rsa-pss': {
      const sha256 = new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });
      const params = new pkijs.RSASSAPSSParams({
        hashAlgorithm: sha256,
        maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.mgf1, algorithmParams: sha256.toSchema() }),
        saltLength: 32,
      });
      return {
        algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaPss, algorithmParams: params.toSchema() }),
        value: sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
      };
    }
    case 'ecdsa-p256': {
      const der = sign('sha256', data, { key, dsaEncoding: 'der' });
      return { algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 }), value: withS(der, options.ecdsaS ?? 'low') };
    }
    case 'ed25519':
      return { algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.ed25519 }), value: sign(null, data, key) };
  }
}

/** Tests whether the ECDSA S in the first signature's SignerInfo is above n/2. */
export function hasHighS(pdf: Uint8Array): boolean {
  const [signature] = findSignatures(pdf).signatures;
  const contentInfo = new pkijs.ContentInfo({ schema: asn1js.fromBER(new Uint8Array(signature.contents).buffer).result });
  const value = new pkijs.SignedData({ schema: contentInfo.content }).signerInfos[0].signature.valueBlock.valueHexView;
  const [, s] = (asn1js.fromBER(new Uint8Array(value).buffer).result as asn1js.Sequence).valueBlock.value as asn1js.Integer[];
  return BigInt(`0x${Buffer.from(s.valueBlock.valueHexView).toString('hex')}`) > P256_ORDER / 2n;
}

/** Re-encodes an Ecdsa-Sig-Value with S or n−S, whichever is on the requested side of n/2; both verify. */
function withS(der: Uint8Array, side: 'high' | 'low'): Uint8Array {
  const sequence = asn1js.fromBER(new Uint8Array(der).buffer).result as asn1js.Sequence;
  const [r, s] = sequence.valueBlock.value as asn1js.Integer[];
  let value = BigInt(`0x${Buffer.from(s.valueBlock.valueHexView).toString('hex')}`);
  const high = value > P256_ORDER / 2n;
  if (high !== (side === 'high')) value = P256_ORDER - value;
  const encoded = new asn1js.Sequence({ value: [r, asn1js.Integer.fromBigInt(value)] });
  return new Uint8Array(encoded.toBER());
}
