import { createHash, verify, X509Certificate } from 'node:crypto';

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';

import { OID_MESSAGE_DIGEST } from '../../pdf/cms-build.js';
import { signPdf } from '../../pdf/sign.js';
import { findSignatures } from '../../pdf/signatures.js';
import { encodeSigningCertificateV2, OID_SIGNING_CERTIFICATE_V2 } from '../../pdf/signing-certificate-v2.js';
import { makeSigner, signedBytes, unsignedDocument, type TestSigner } from './sign-fixtures.js';

const OID_SHA512 = '2.16.840.1.101.3.4.2.3';
const OID_ED25519 = '1.3.101.112';

function signerInfoOf(cms: Uint8Array): { signedData: pkijs.SignedData; signerInfo: pkijs.SignerInfo } {
  const contentInfo = pkijs.ContentInfo.fromBER(new Uint8Array(cms));
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  return { signedData, signerInfo: signedData.signerInfos[0] };
}

function attributeValue(signerInfo: pkijs.SignerInfo, type: string): asn1js.AsnType {
  const attribute = signerInfo.signedAttrs!.attributes.find((candidate) => candidate.type === type);
  expect(attribute, `signed attribute ${type}`).toBeDefined();
  expect(attribute!.values).toHaveLength(1);
  return attribute!.values[0];
}

describe('encodeSigningCertificateV2', () => {
  let signer: TestSigner;
  beforeAll(async () => {
    signer = await makeSigner('ECDSA-P256');
  });

  it('omits the default hash and tags the issuer [4]', () => {
    const value = asn1js.fromBER(encodeSigningCertificateV2(signer.certificate)).result as asn1js.Sequence;
    const certs = value.valueBlock.value;
    expect(certs).toHaveLength(1);
    const essCertIds = (certs[0] as asn1js.Sequence).valueBlock.value;
    expect(essCertIds).toHaveLength(1);
    const [certHash, issuerSerial] = (essCertIds[0] as asn1js.Sequence).valueBlock.value;

    // The first field is the OCTET STRING hash, so no AlgorithmIdentifier precedes it.
    expect(certHash).toBeInstanceOf(asn1js.OctetString);
    const expected = createHash('sha256').update(signer.certificate).digest();
    expect(Buffer.from((certHash as asn1js.OctetString).valueBlock.valueHexView).equals(expected)).toBe(true);

    const [generalNames, serial] = (issuerSerial as asn1js.Sequence).valueBlock.value;
    const directoryName = (generalNames as asn1js.Sequence).valueBlock.value[0];
    expect(directoryName.idBlock.tagClass).toBe(3);
    expect(directoryName.idBlock.tagNumber).toBe(4);
    expect(directoryName.idBlock.isConstructed).toBe(true);

    const certificate = pkijs.Certificate.fromBER(new Uint8Array(signer.certificate));
    const name = (directoryName as asn1js.Constructed).valueBlock.value[0];
    expect(Buffer.from(name.toBER()).equals(Buffer.from(certificate.issuer.valueBeforeDecode))).toBe(true);
    expect(Buffer.from(serial.toBER()).equals(Buffer.from(certificate.serialNumber.valueBeforeDecodeView))).toBe(true);
  });
});

describe('signPdf CMS', () => {
  it('when the key is Ed25519, it follows RFC 8419', async () => {
    const signer = await makeSigner('Ed25519');
    const pdf = await signPdf(await unsignedDocument(), { privateKey: signer.privateKey, certificate: signer.certificate });
    const [signature] = findSignatures(pdf).signatures;
    const { signedData, signerInfo } = signerInfoOf(signature.contents);

    expect(signedData.digestAlgorithms.map((algorithm) => algorithm.algorithmId)).toEqual([OID_SHA512]);
    expect(signerInfo.digestAlgorithm.algorithmId).toBe(OID_SHA512);
    expect(signerInfo.signatureAlgorithm.algorithmId).toBe(OID_ED25519);
    // RFC 8410 §3: the parameters of id-Ed25519 are absent.
    expect(signerInfo.signatureAlgorithm.algorithmParams).toBeUndefined();

    const digest = attributeValue(signerInfo, OID_MESSAGE_DIGEST) as asn1js.OctetString;
    const expected = createHash('sha512').update(signedBytes(pdf, signature.byteRange)).digest();
    expect(Buffer.from(digest.valueBlock.valueHexView).equals(expected)).toBe(true);

    const signedAttributes = new Uint8Array(signerInfo.signedAttrs!.toSchema().toBER());
    signedAttributes[0] = 0x31;
    const publicKey = new X509Certificate(signer.certificate).publicKey;
    const value = signerInfo.signature.valueBlock.valueHexView;
    expect(verify(null, signedAttributes, publicKey, value)).toBe(true);
    signedAttributes[signedAttributes.length - 1] ^= 1;
    expect(verify(null, signedAttributes, publicKey, value)).toBe(false);
  });

  it('when the key is P-384, it digests with SHA-384', async () => {
    const signer = await makeSigner('ECDSA-P384');
    const pdf = await signPdf(await unsignedDocument(), { privateKey: signer.privateKeyPem, certificate: signer.certificatePem });
    const [signature] = findSignatures(pdf).signatures;
    const { signerInfo } = signerInfoOf(signature.contents);
    expect(signerInfo.digestAlgorithm.algorithmId).toBe('2.16.840.1.101.3.4.2.2');
    expect(signerInfo.signatureAlgorithm.algorithmId).toBe('1.2.840.10045.4.3.3');
    const digest = attributeValue(signerInfo, OID_MESSAGE_DIGEST) as asn1js.OctetString;
    const expected = createHash('sha384').update(signedBytes(pdf, signature.byteRange)).digest();
    expect(Buffer.from(digest.valueBlock.valueHexView).equals(expected)).toBe(true);
  });

  it('signed attributes are in DER SET OF order', async () => {
    const signer = await makeSigner('RSA-2048');
    const pdf = await signPdf(await unsignedDocument(), { privateKey: signer.privateKey, certificate: signer.certificate });
    const { signerInfo } = signerInfoOf(findSignatures(pdf).signatures[0].contents);
    const encoded = signerInfo.signedAttrs!.attributes.map((attribute) => Buffer.from(attribute.toSchema().toBER()));
    const sorted = [...encoded].sort(Buffer.compare);
    expect(encoded).toEqual(sorted);
    const scv2 = attributeValue(signerInfo, OID_SIGNING_CERTIFICATE_V2);
    expect(Buffer.from(scv2.toBER()).equals(Buffer.from(encodeSigningCertificateV2(signer.certificate)))).toBe(true);
  });
});
