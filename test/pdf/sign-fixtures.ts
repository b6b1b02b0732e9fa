import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';

import * as x509 from '@peculiar/x509';

import { generateDocument, type DocumentSpec } from '../../cli/pilot/documents.js';
import { createCabCertificate, createNationalCa, toPem, type CertifiedKey } from '../../cli/pilot/pki.js';

/** Key types the signer tests cover. */
export type TestKeyType = 'RSA-2048' | 'ECDSA-P256' | 'ECDSA-P384' | 'Ed25519';

/** A signer certificate with its key and the CA that issued it, ready for signPdf. */
export interface TestSigner {
  keyType: TestKeyType;
  privateKeyPem: string;
  privateKey: KeyObject;
  certificate: Uint8Array;
  certificatePem: string;
  caCertificate: Uint8Array;
  caCertificatePem: string;
}

const validity = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') };

/** True when the named binary is on PATH; tests that call it skip otherwise. */
export function hasBinary(name: string): boolean {
  return spawnSync('which', [name], { encoding: 'utf8' }).status === 0;
}

/** Makes a CA and a CAB certificate issued by it for `keyType`. */
export async function makeSigner(keyType: TestKeyType): Promise<TestSigner> {
  if (keyType === 'RSA-2048' || keyType === 'ECDSA-P256') {
    const ca = await createNationalCa('UZ', 'Uzbek Accreditation Centre', validity, keyType);
    const cab = await createCabCertificate(ca, {
      cabCode: 'UZ-UZAC-0042',
      cabName: 'Tashkent Certification Centre',
      country: 'UZ',
      keyAlgorithm: keyType,
      ...validity,
    });
    return fromPilot(keyType, cab, ca);
  }
  return makePeculiarSigner(keyType);
}

function fromPilot(keyType: TestKeyType, cab: CertifiedKey, ca: CertifiedKey): TestSigner {
  return {
    keyType,
    privateKeyPem: cab.privateKeyPem,
    privateKey: createPrivateKey(cab.privateKeyPem),
    certificate: cab.der,
    certificatePem: cab.certificatePem,
    caCertificate: ca.der,
    caCertificatePem: ca.certificatePem,
  };
}

/** P-384 and Ed25519 certificates, which the pilot PKI does not make, straight from @peculiar/x509. */
async function makePeculiarSigner(keyType: 'ECDSA-P384' | 'Ed25519'): Promise<TestSigner> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm =
    keyType === 'ECDSA-P384'
      ? { generate: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } }
      : { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };
  const generate = (): Promise<webcrypto.CryptoKeyPair> =>
    webcrypto.subtle.generateKey(algorithm.generate, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

  const caKeys = await generate();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a1b2c3d',
    name: `C=KG, O=Kyrgyz Accreditation Centre, CN=KG ${keyType} Root CA`,
    ...validity,
    signingAlgorithm: algorithm.sign,
    keys: caKeys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });

  const keys = await generate();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '4e5f6071',
    subject: `C=KG, O=Bishkek Electrical Testing Laboratory, CN=KG ${keyType} signer`,
    issuer: ca.subject,
    ...validity,
    signingAlgorithm: algorithm.sign,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true)],
  });

  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = toPem(pkcs8, 'PRIVATE KEY');
  const der = new Uint8Array(certificate.rawData);
  const caDer = new Uint8Array(ca.rawData);
  return {
    keyType,
    privateKeyPem,
    privateKey: createPrivateKey(privateKeyPem),
    certificate: der,
    certificatePem: toPem(der, 'CERTIFICATE'),
    caCertificate: caDer,
    caCertificatePem: toPem(caDer, 'CERTIFICATE'),
  };
}

const spec: DocumentSpec = {
  type: 'CC',
  number: 'UZ-CC-2026-000123',
  issuer: { cabCode: 'UZ-UZAC-0042', cabName: 'Tashkent Certification Centre', country: 'UZ' },
  applicant: { name: 'Samarkand Textiles LLC', address: '12 Registan Street, Samarkand, Uzbekistan' },
  product: { description: "Cotton knitted garments for children's wear", hsCodes: ['6111'] },
  regulations: ['TR CU 007/2011'],
  standards: ['GOST 31408-2009'],
  issuedAt: '2026-03-02',
  validUntil: '2029-03-01',
};

/** An unsigned conformity certificate PDF made by the pilot's generator. */
export function unsignedDocument(): Promise<Uint8Array> {
  return generateDocument(spec);
}

/** Returns the bytes a ByteRange `[a b c d]` covers, concatenated. */
export function signedBytes(pdf: Uint8Array, byteRange: number[]): Uint8Array {
  const [a, b, c, d] = byteRange;
  return new Uint8Array(Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]));
}
