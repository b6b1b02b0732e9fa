import { createHash } from 'node:crypto';

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

import { PdfSignError } from './sign-errors.js';

/** id-aa-signingCertificateV2 (RFC 5035 §3). */
export const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

/** GeneralName directoryName is [4] (RFC 5280 §4.2.1.6). */
const DIRECTORY_NAME_TAG = 4;

/**
 * Encodes the SigningCertificateV2 attribute value (RFC 5035 §3) that binds a
 * signature to `certificateDer`: one ESSCertIDv2 with the SHA-256 of the
 * certificate and its IssuerSerial. The hash algorithm is left out because
 * SHA-256 is its DEFAULT, and DER omits a field equal to its default (X.690
 * §11.5). ETSI EN 319 122-1 §5.2.2.3 makes this attribute mandatory for CAdES
 * and so for PAdES-BASELINE-B.
 *
 * The issuer Name and serial INTEGER repeat the certificate's bytes, so a
 * verifier that compares encodings finds them equal.
 *
 * @throws PdfSignError `invalid_certificate` when the issuer or serial is not DER.
 */
export function encodeSigningCertificateV2(certificateDer: Uint8Array): Uint8Array {
  const certificate = pkijs.Certificate.fromBER(new Uint8Array(certificateDer));
  const certHash = createHash('sha256').update(certificateDer).digest();

  // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }.
  // Name is a CHOICE, so the [4] tag of directoryName is explicit (X.680 §31.2.7).
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.Constructed({
            idBlock: { tagClass: 3, tagNumber: DIRECTORY_NAME_TAG },
            value: [reparsed(new Uint8Array(certificate.issuer.valueBeforeDecode), 'issuer')],
          }),
        ],
      }),
      reparsed(new Uint8Array(certificate.serialNumber.valueBeforeDecodeView), 'serial number'),
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: new Uint8Array(certHash) }), issuerSerial],
  });
  const signingCertificateV2 = new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
  return new Uint8Array(signingCertificateV2.toBER());
}

/**
 * Parses one DER element for embedding. asn1js re-encodes what it parsed, so
 * the bytes must survive a round trip, which is true exactly for DER.
 */
function reparsed(der: Uint8Array, description: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(new Uint8Array(der));
  if (parsed.offset === -1 || !equalBytes(new Uint8Array(parsed.result.toBER()), der)) {
    throw new PdfSignError('invalid_certificate', `the signer certificate's ${description} is not DER, so signing-certificate-v2 cannot repeat it`);
  }
  return parsed.result;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
