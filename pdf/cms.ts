import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PdfError } from './errors.js';

/** id-signedData (RFC 5652 §5.1). */
export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
/** id-ce-subjectKeyIdentifier (RFC 5280 §4.2.1.2). */
const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

/** The SignerIdentifier of a SignerInfo, which names its certificate (RFC 5652 §5.3). */
export type SignerIdentifier =
  | { kind: 'issuerAndSerialNumber'; issuer: Uint8Array; serialNumber: Uint8Array }
  | { kind: 'subjectKeyIdentifier'; keyIdentifier: Uint8Array };

export interface CmsSigner {
  sid: SignerIdentifier;
  digestAlgorithm: string;
  signatureAlgorithm: string;
  /** OIDs of the signed attributes in order; empty when there are none. */
  signedAttributes: string[];
  hasSignedAttributes: boolean;
}

/** The parts of a CMS SignedData a PDF signature check needs. */
export interface CmsSignedDataInfo {
  version: number;
  digestAlgorithms: string[];
  eContentType: string;
  /** True when the SignedData carries its content, i.e. is not detached. */
  eContentPresent: boolean;
  /** Every X.509 certificate of the `certificates` field, as encoded in the CMS. */
  certificates: Uint8Array[];
  signers: CmsSigner[];
  /** The certificate that the first SignerInfo's sid names, when it is embedded. */
  signerCertificate?: Uint8Array;
}

/**
 * Parses a ContentInfo holding a SignedData (RFC 5652) with pkijs and returns
 * its certificates and signer identifiers. It checks no signature.
 *
 * @throws PdfError `cms_invalid` when the bytes (attacker-controlled) are not
 *   a BER ContentInfo of type signedData.
 */
export function parseSignedData(der: Uint8Array): CmsSignedDataInfo {
  try {
    return readSignedData(der);
  } catch (error) {
    if (error instanceof PdfError) throw error;
    // asn1js throws plain Errors from inside fromBER (a malformed UTCTime, for
    // one), and pkijs from its schema code: all of them mean the CMS is invalid.
    throw new PdfError('cms_invalid', `CMS does not parse as ContentInfo/SignedData: ${messageOf(error)}`, { cause: error });
  }
}

function readSignedData(der: Uint8Array): CmsSignedDataInfo {
  // A fresh copy, because a small Buffer may be a view into Node's shared pool
  // and pkijs reads `.buffer` whole.
  const copy = new Uint8Array(der);
  const asn1 = asn1js.fromBER(copy.buffer);
  if (asn1.offset === -1 || asn1.result.error) {
    throw new PdfError('cms_invalid', `CMS is not valid BER: ${asn1.result.error || 'decoding failed'}`);
  }
  const contentInfo = new pkijs.ContentInfo({ schema: asn1.result });
  if (contentInfo.contentType !== OID_SIGNED_DATA) {
    throw new PdfError('cms_invalid', `CMS content type is ${contentInfo.contentType}, want signedData ${OID_SIGNED_DATA}`, {
      actual: contentInfo.contentType,
    });
  }
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });

  const certificates = rawCertificates(contentInfo.content as asn1js.Sequence);
  const signers = signedData.signerInfos.map(describeSigner);
  const info: CmsSignedDataInfo = {
    version: signedData.version,
    digestAlgorithms: signedData.digestAlgorithms.map((algorithm) => algorithm.algorithmId),
    eContentType: signedData.encapContentInfo.eContentType,
    eContentPresent: signedData.encapContentInfo.eContent !== undefined,
    certificates,
    signers,
  };
  const signerCertificate = signers.length > 0 ? findCertificate(certificates, signers[0].sid) : undefined;
  if (signerCertificate) info.signerCertificate = signerCertificate;
  return info;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Returns the certificates exactly as encoded, since re-encoding a parsed
 * certificate could change its bytes and so its SHA-256.
 */
function rawCertificates(signedData: asn1js.Sequence): Uint8Array[] {
  const fields = signedData.valueBlock.value;
  const set = fields.find((field) => field.idBlock.tagClass === 3 && field.idBlock.tagNumber === 0);
  if (!set || !(set instanceof asn1js.Constructed)) return [];
  return set.valueBlock.value
    .filter((choice) => choice.idBlock.tagClass === 1 && choice.idBlock.tagNumber === 16)
    .map((choice) => new Uint8Array(choice.valueBeforeDecodeView));
}

function describeSigner(signerInfo: pkijs.SignerInfo): CmsSigner {
  const attributes = signerInfo.signedAttrs?.attributes ?? [];
  return {
    sid: signerIdentifier(signerInfo.sid),
    digestAlgorithm: signerInfo.digestAlgorithm.algorithmId,
    signatureAlgorithm: signerInfo.signatureAlgorithm.algorithmId,
    signedAttributes: attributes.map((attribute) => attribute.type),
    hasSignedAttributes: signerInfo.signedAttrs !== undefined,
  };
}

function signerIdentifier(sid: unknown): SignerIdentifier {
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return {
      kind: 'issuerAndSerialNumber',
      issuer: new Uint8Array(sid.issuer.valueBeforeDecode),
      serialNumber: new Uint8Array(sid.serialNumber.valueBlock.valueHexView),
    };
  }
  // subjectKeyIdentifier [0] IMPLICIT OCTET STRING; BER allows the constructed form.
  const tagged = sid as asn1js.BaseBlock<asn1js.ValueBlock>;
  if (tagged instanceof asn1js.Constructed) {
    const parts = tagged.valueBlock.value.map((part) => (part as asn1js.OctetString).valueBlock.valueHexView);
    return { kind: 'subjectKeyIdentifier', keyIdentifier: new Uint8Array(Buffer.concat(parts)) };
  }
  const primitive = sid as asn1js.Primitive;
  return { kind: 'subjectKeyIdentifier', keyIdentifier: new Uint8Array(primitive.valueBlock.valueHexView) };
}

/** Returns the first certificate that `sid` names (RFC 5652 §5.3), or undefined. */
export function findCertificate(certificates: Uint8Array[], sid: SignerIdentifier): Uint8Array | undefined {
  for (const raw of certificates) {
    let certificate: pkijs.Certificate;
    try {
      certificate = pkijs.Certificate.fromBER(new Uint8Array(raw));
    } catch {
      // A certificate pkijs cannot read cannot be matched; others may still match.
      continue;
    }
    if (matches(certificate, sid)) return raw;
  }
  return undefined;
}

function matches(certificate: pkijs.Certificate, sid: SignerIdentifier): boolean {
  if (sid.kind === 'issuerAndSerialNumber') {
    const issuer = new Uint8Array(certificate.issuer.valueBeforeDecode);
    const serial = certificate.serialNumber.valueBlock.valueHexView;
    return equalBytes(issuer, sid.issuer) && equalBytes(serial, sid.serialNumber);
  }
  const extension = certificate.extensions?.find((candidate) => candidate.extnID === OID_SUBJECT_KEY_IDENTIFIER);
  const value = extension?.parsedValue;
  if (!(value instanceof asn1js.OctetString)) return false;
  return equalBytes(value.valueBlock.valueHexView, sid.keyIdentifier);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
