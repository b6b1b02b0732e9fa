import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SIGNING_CERTIFICATE_V2 } from '../../pdf/signed-attributes.js';
import { validatePdfSignatures } from '../../pdf/validate.js';
import { flipOctet, readSample, replaceCms, signedAttribute } from './validate-fixtures.js';

const original = readSample('pdf-signed-original.pdf');

/** Returns "INDICATION/SUB" and the first problem of a rewritten sample. */
function outcome(pdf: Uint8Array): { result: string; message: string } {
  const report = validatePdfSignatures(pdf);
  return { result: `${report.indication}/${report.subIndication}`, message: report.signatures[0]?.message ?? report.message };
}

describe('validatePdfSignatures on CMS rewrites of a valid signature', () => {
  it('when the CMS is re-encoded unchanged, it passes', () => {
    const pdf = replaceCms(original, () => {});
    expect(validatePdfSignatures(pdf).indication).toBe('PASSED');
  });

  it('when eContent is added, it is FORMAT_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      signedData.encapContentInfo.eContent = new asn1js.OctetString({ valueHex: new Uint8Array([1, 2, 3]).buffer });
    });
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/FORMAT_FAILURE');
    expect(message).toMatch(/not detached/);
  });

  it('when a second SignerInfo is added, it is FORMAT_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      signedData.signerInfos.push(new pkijs.SignerInfo({ schema: signedData.signerInfos[0].toSchema() }));
    });
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/FORMAT_FAILURE');
    expect(message).toMatch(/2 SignerInfos, want exactly 1/);
  });

  it('when message-digest is dropped, it is FORMAT_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      const attributes = signedData.signerInfos[0].signedAttrs!;
      attributes.attributes = attributes.attributes.filter((attribute) => attribute.type !== OID_MESSAGE_DIGEST);
    });
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/FORMAT_FAILURE');
    expect(message).toMatch(/lack message-digest/);
  });

  it('when content-type is dropped, it is FORMAT_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      const attributes = signedData.signerInfos[0].signedAttrs!;
      attributes.attributes = attributes.attributes.filter((attribute) => attribute.type !== OID_CONTENT_TYPE);
    });
    expect(outcome(pdf).message).toMatch(/lack content-type/);
  });

  it('when message-digest appears twice, it is FORMAT_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      const attributes = signedData.signerInfos[0].signedAttrs!;
      attributes.attributes.push(signedAttribute(signedData, OID_MESSAGE_DIGEST));
    });
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/FORMAT_FAILURE');
    expect(message).toMatch(/more than once/);
  });

  it('when the signing-certificate-v2 hash is altered, it is FORMAT_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      const value = signedAttribute(signedData, OID_SIGNING_CERTIFICATE_V2).values[0] as asn1js.Sequence;
      const essCertId = (value.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
      const certHash = essCertId.valueBlock.value.find((item) => item instanceof asn1js.OctetString) as asn1js.OctetString;
      flipOctet(certHash, 0);
    });
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/FORMAT_FAILURE');
    expect(message).toMatch(/signing-certificate-v2 certHash .* is not the sha256 of the signer certificate/);
  });

  it('when signing-certificate-v2 is dropped from a CAdES signature, it is FORMAT_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      const attributes = signedData.signerInfos[0].signedAttrs!;
      attributes.attributes = attributes.attributes.filter((attribute) => attribute.type !== OID_SIGNING_CERTIFICATE_V2);
    });
    expect(outcome(pdf).message).toMatch(/no signing-certificate-v2 attribute/);
  });

  it('when the signer certificate is removed, it is FORMAT_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      signedData.certificates = signedData.certificates!.slice(1);
    });
    expect(outcome(pdf).message).toMatch(/does not embed the certificate/);
  });

  it('when the message-digest value is altered, it is HASH_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      flipOctet(signedAttribute(signedData, OID_MESSAGE_DIGEST).values[0] as asn1js.OctetString, 5);
    });
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/HASH_FAILURE');
    expect(message).toMatch(/message-digest [0-9a-f]{64} is not the sha256 of the signed byte ranges/);
  });

  it('when the signature value is altered, it is SIG_CRYPTO_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      flipOctet(signedData.signerInfos[0].signature, 100);
    });
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/SIG_CRYPTO_FAILURE');
    expect(message).toMatch(/RSASSA-PKCS1-v1_5 signature value over the signed attributes does not verify/);
  });

  it('when the signature algorithm does not fit the key, it is FORMAT_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      signedData.signerInfos[0].signatureAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.10045.4.3.2' });
    });
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/FORMAT_FAILURE');
    expect(message).toBe('signer certificate has a key of type rsa, which cannot make ECDSA signatures');
  });

  it('when the digest algorithm is unknown, it is CRYPTO_CONSTRAINTS_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      signedData.signerInfos[0].digestAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.3.4' });
    });
    const { result, message } = outcome(pdf);
    expect(result).toBe('INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE');
    expect(message).toMatch(/digest algorithm 1.2.3.4 is not supported/);
  });

  it('when no SignerInfo is left, it is FORMAT_FAILURE', () => {
    const pdf = replaceCms(original, (signedData) => {
      signedData.signerInfos = [];
    });
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/FORMAT_FAILURE');
    expect(message).toMatch(/0 SignerInfos, want exactly 1/);
  });
});
