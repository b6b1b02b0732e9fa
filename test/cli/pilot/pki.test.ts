import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  OID_ORGANIZATION_IDENTIFIER,
  createCabCertificate,
  createExpiredCabCertificate,
  createNationalCa,
  createSelfSignedCabCertificate,
  keyAlgorithmForCountry,
  sha256Hex,
  toPem,
  type KeyAlgorithm,
} from '../../../cli/pilot/pki.js';
import { hasOpenssl, runOpenssl } from '../../pdf/openssl.js';

const validity = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') };
const cabOptions = {
  cabCode: 'UZ-UZAC-0042',
  cabName: 'Tashkent Testing Centre',
  country: 'UZ',
  notBefore: new Date('2025-06-01T00:00:00Z'),
  notAfter: new Date('2028-06-01T00:00:00Z'),
};

describe('createNationalCa', () => {
  it.each<KeyAlgorithm>(['ECDSA-P256', 'RSA-2048'])('when the key is %s, it is a self-signed CA', async (keyAlgorithm) => {
    const ca = await createNationalCa('UZ', 'Uzbek Accreditation Centre', validity, keyAlgorithm);
    expect(await ca.certificate.isSelfSigned()).toBe(true);
    expect(ca.certificate.subjectName.getField('C')).toEqual(['UZ']);
    expect(ca.certificate.subjectName.getField('O')).toEqual(['Uzbek Accreditation Centre']);
    const constraints = ca.certificate.getExtension(x509.BasicConstraintsExtension)!;
    expect(constraints.ca).toBe(true);
    expect(constraints.critical).toBe(true);
    const usages = ca.certificate.getExtension(x509.KeyUsagesExtension)!.usages;
    expect(usages & x509.KeyUsageFlags.keyCertSign).toBe(x509.KeyUsageFlags.keyCertSign);
    expect(ca.keyAlgorithm).toBe(keyAlgorithm);
  });

  it('rejects a country that is not alpha-2', async () => {
    await expect(createNationalCa('Uzbekistan', 'x', validity)).rejects.toThrow(/alpha-2/);
  });

  it('picks each key algorithm for some participant', () => {
    const picked = new Set(['UZ', 'AZ', 'KG', 'PK', 'TJ'].map(keyAlgorithmForCountry));
    expect(picked).toEqual(new Set(['ECDSA-P256', 'RSA-2048', 'RSA-3072']));
  });
});

describe('createCabCertificate', async () => {
  const ca = await createNationalCa('UZ', 'Uzbek Accreditation Centre', validity, 'RSA-2048');
  const cab = await createCabCertificate(ca, { ...cabOptions, keyAlgorithm: 'ECDSA-P256' });

  it('verifies against its CA', async () => {
    expect(await cab.certificate.verify({ publicKey: ca.certificate.publicKey, signatureOnly: true })).toBe(true);
    expect(cab.certificate.issuer).toBe(ca.certificate.subject);
  });

  it('does not verify against another CA', async () => {
    const other = await createNationalCa('KG', 'Kyrgyz Accreditation Centre', validity, 'ECDSA-P256');
    expect(await cab.certificate.verify({ publicKey: other.certificate.publicKey, signatureOnly: true })).toBe(false);
  });

  it('carries the CAB code in organizationIdentifier', () => {
    expect(cab.certificate.subjectName.getField(OID_ORGANIZATION_IDENTIFIER)).toEqual(['UZ-UZAC-0042']);
    expect(cab.certificate.subjectName.getField('C')).toEqual(['UZ']);
    expect(cab.certificate.subjectName.getField('O')).toEqual(['Tashkent Testing Centre']);
  });

  it('has the signing key usages and is no CA', () => {
    const usages = cab.certificate.getExtension(x509.KeyUsagesExtension)!.usages;
    expect(usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation);
    expect(cab.certificate.getExtension(x509.BasicConstraintsExtension)!.ca).toBe(false);
  });

  it('keeps the requested validity', () => {
    expect(cab.certificate.notBefore.toISOString()).toBe('2025-06-01T00:00:00.000Z');
    expect(cab.certificate.notAfter.toISOString()).toBe('2028-06-01T00:00:00.000Z');
  });

  it('exports its private key as PKCS#8 PEM', () => {
    expect(cab.privateKeyPem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(createPrivateKey(cab.privateKeyPem).asymmetricKeyType).toBe('ec');
  });

  it('names the certificate by the SHA-256 of its DER', () => {
    expect(cab.sha256).toBe(sha256Hex(cab.der));
    expect(cab.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.skipIf(!hasOpenssl)('shows in openssl x509 -text and verifies with openssl', () => {
    const text = runOpenssl(['x509', '-in', '{in}', '-noout', '-text'], cab.certificatePem);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('organizationIdentifier = UZ-UZAC-0042');
    expect(text.stdout).toContain('Digital Signature, Non Repudiation');
    // 2026-01-01T00:00:00Z, inside both validity periods.
    const inputs = { ca: ca.certificatePem, cab: cab.certificatePem };
    const chain = runOpenssl(['verify', '-attime', '1767225600', '-CAfile', '{ca}', '{cab}'], inputs);
    expect(chain.stdout).toContain(': OK');
    expect(chain.status).toBe(0);
  });
});

describe('createSelfSignedCabCertificate and createExpiredCabCertificate', async () => {
  const ca = await createNationalCa('KG', 'Kyrgyz Accreditation Centre', validity, 'ECDSA-P256');

  it('makes a self-signed CAB certificate with the code', async () => {
    const own = await createSelfSignedCabCertificate({ ...cabOptions, keyAlgorithm: 'RSA-2048' });
    expect(await own.certificate.isSelfSigned()).toBe(true);
    expect(own.certificate.subjectName.getField(OID_ORGANIZATION_IDENTIFIER)).toEqual(['UZ-UZAC-0042']);
    expect(createPrivateKey(own.privateKeyPem).asymmetricKeyType).toBe('rsa');
  });

  it('makes a certificate that expired before the given time', async () => {
    const now = new Date('2026-12-04T10:00:00Z');
    const expired = await createExpiredCabCertificate(ca, { ...cabOptions, country: 'KG', cabCode: 'KG-KAC-0007' }, now);
    expect(expired.certificate.notAfter.getTime()).toBeLessThan(now.getTime());
    expect(expired.certificate.notBefore.getTime()).toBeLessThan(expired.certificate.notAfter.getTime());
    expect(await expired.certificate.verify({ publicKey: ca.certificate.publicKey, signatureOnly: true })).toBe(true);
  });
});

describe('toPem', () => {
  it('wraps base64 at 64 characters', () => {
    const pem = toPem(new Uint8Array(100), 'CERTIFICATE');
    const lines = pem.trim().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines[1]).toHaveLength(64);
    expect(lines.at(-1)).toBe('-----END CERTIFICATE-----');
  });
});
