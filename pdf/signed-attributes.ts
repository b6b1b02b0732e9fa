import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { findDerViolations } from './der-strict.js';
import { digestName } from './signature-algorithms.js';

export const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
export const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';
/** id-aa-signingCertificate (RFC 2634 §5.4), SHA-1 only. */
export const OID_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12';
/** id-aa-signingCertificateV2 (RFC 5035 §3). */
export const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

const SHA256 = 'sha256';

/** The signed attributes a PDF signature check reads (RFC 5652 §5.3, §11). */
export interface SignedAttributes {
  /** The DER SET OF Attribute that the signature value covers (the [0] tag replaced by SET). */
  encoded: Uint8Array;
  contentType?: string;
  messageDigest?: Uint8Array;
  /** The ESS signing-certificate attribute value and its version, when present. */
  signingCertificate?: { version: 1 | 2; value: asn1js.AsnType };
  hasSigningTime: boolean;
}

/**
 * Reads the signed attributes of a SignerInfo (attacker-controlled). Returns
 * a message when they are not DER, or when content-type, message-digest,
 * signing-time or a signing-certificate attribute appears twice or with other
 * than one value: RFC 5652 §11.1 and §11.2 and RFC 5035 §3 allow exactly one.
 */
export function readSignedAttributes(attributes: pkijs.SignedAndUnsignedAttributes): SignedAttributes | string {
  const encoded = new Uint8Array(attributes.encodedValue);
  // The signature covers these bytes as received, so a BER encoding would let
  // two different byte strings stand for one attribute set.
  const violations = findDerViolations(encoded);
  if (violations.length > 0) return `signed attributes are not DER: ${violations[0].message} at offset ${violations[0].offset}`;

  const result: SignedAttributes = { encoded, hasSigningTime: false };
  const seen = new Set<string>();
  for (const attribute of attributes.attributes) {
    const single = [OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SIGNING_TIME, OID_SIGNING_CERTIFICATE, OID_SIGNING_CERTIFICATE_V2];
    if (!single.includes(attribute.type)) continue;
    if (seen.has(attribute.type)) return `signed attribute ${attribute.type} appears more than once`;
    seen.add(attribute.type);
    if (attribute.values.length !== 1) return `signed attribute ${attribute.type} has ${attribute.values.length} values, want 1`;
    const value = attribute.values[0] as asn1js.AsnType;

    if (attribute.type === OID_CONTENT_TYPE) {
      if (!(value instanceof asn1js.ObjectIdentifier)) return 'content-type attribute is not an OBJECT IDENTIFIER';
      result.contentType = value.valueBlock.toString();
    } else if (attribute.type === OID_MESSAGE_DIGEST) {
      if (!(value instanceof asn1js.OctetString) || value.idBlock.isConstructed) {
        return 'message-digest attribute is not a primitive OCTET STRING';
      }
      result.messageDigest = new Uint8Array(value.valueBlock.valueHexView);
    } else if (attribute.type === OID_SIGNING_TIME) {
      result.hasSigningTime = true;
    } else {
      if (result.signingCertificate) return 'both signing-certificate and signing-certificate-v2 attributes are present';
      result.signingCertificate = { version: attribute.type === OID_SIGNING_CERTIFICATE ? 1 : 2, value };
    }
  }
  return result;
}

/**
 * Checks that the first ESSCertID(v2) of a signing-certificate attribute names
 * `certificateDer` (RFC 5035 §3, RFC 2634 §5.4): the hash of its DER, and the
 * issuer and serial number when issuerSerial is present. Returns a message
 * when it does not.
 */
export function checkSigningCertificate(
  attribute: NonNullable<SignedAttributes['signingCertificate']>,
  certificateDer: Uint8Array,
  certificate: pkijs.Certificate,
): string | undefined {
  const name = attribute.version === 2 ? 'signing-certificate-v2' : 'signing-certificate';
  const certs = sequenceItems(sequenceItems(attribute.value)?.[0]);
  const first = sequenceItems(certs?.[0]);
  if (!first || first.length === 0) return `${name} attribute has no ESSCertID`;

  let index = 0;
  let hash = attribute.version === 2 ? SHA256 : 'sha1';
  if (attribute.version === 2 && first[0] instanceof asn1js.Sequence) {
    const oid = first[0].valueBlock.value[0];
    if (!(oid instanceof asn1js.ObjectIdentifier)) return `${name} hash algorithm is not an OBJECT IDENTIFIER`;
    const named = digestName(oid.valueBlock.toString());
    if (named === undefined) return `${name} hash algorithm ${oid.valueBlock.toString()} is not supported`;
    hash = named;
    index = 1;
  }
  const certHash = first[index];
  if (!(certHash instanceof asn1js.OctetString)) return `${name} certHash is not an OCTET STRING`;
  const computed = createHash(hash).update(certificateDer).digest();
  if (!computed.equals(certHash.valueBlock.valueHexView)) {
    return `${name} certHash ${Buffer.from(certHash.valueBlock.valueHexView).toString('hex')} is not the ${hash} of the signer certificate, ${computed.toString('hex')}`;
  }
  const issuerSerial = first[index + 1];
  if (issuerSerial === undefined) return undefined;
  return checkIssuerSerial(name, issuerSerial, certificate);
}

/** IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber INTEGER } (RFC 5035 §4). */
function checkIssuerSerial(name: string, issuerSerial: asn1js.AsnType, certificate: pkijs.Certificate): string | undefined {
  const [generalNames, serial] = sequenceItems(issuerSerial) ?? [];
  const names = sequenceItems(generalNames);
  if (!names || !(serial instanceof asn1js.Integer)) return `${name} issuerSerial is malformed`;
  if (!equalBytes(serial.valueBlock.valueHexView, certificate.serialNumber.valueBlock.valueHexView)) {
    return `${name} issuerSerial serial number does not match the signer certificate`;
  }
  const issuer = new Uint8Array(certificate.issuer.valueBeforeDecode);
  // directoryName is [4] EXPLICIT Name inside GeneralNames (RFC 5280 §4.2.1.6).
  const matches = names.some((general) => {
    if (general.idBlock.tagClass !== 3 || general.idBlock.tagNumber !== 4 || !(general instanceof asn1js.Constructed)) return false;
    const inner = general.valueBlock.value[0];
    return inner !== undefined && equalBytes(new Uint8Array(inner.valueBeforeDecodeView), issuer);
  });
  return matches ? undefined : `${name} issuerSerial issuer does not match the signer certificate`;
}

function sequenceItems(value: asn1js.AsnType | undefined): asn1js.AsnType[] | undefined {
  return value instanceof asn1js.Sequence ? value.valueBlock.value : undefined;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
