import { beforeAll, describe, expect, it } from 'vitest';

import { RuleError } from '../../registry/errors.js';
import { checkValidityAt, isIssuedBy, parseCertificate } from '../../registry/x509.js';
import { makeCabCertificate, makeCaCertificate, type TestCa } from './certificates.js';

const NOW = Date.parse('2026-12-04T10:00:00.000Z');
const DAY = 86_400_000;

function codeOf(action: () => unknown): string {
  try {
    action();
    return 'accepted';
  } catch (error) {
    if (error instanceof RuleError) return error.code;
    throw error;
  }
}

describe('x509', () => {
  let ca: TestCa;
  let cab: Uint8Array;

  beforeAll(async () => {
    ca = await makeCaCertificate('UZ', NOW - DAY);
    cab = await makeCabCertificate({ country: 'UZ', cabCode: 'UZ-UZAC-0042', issuer: ca, notBefore: NOW - DAY });
  });

  it('reads a CA certificate', () => {
    const parsed = parseCertificate(ca.der);
    expect(parsed.isCa).toBe(true);
    expect(parsed.country).toBe('UZ');
    expect(parsed.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(parsed.notBefore).toBe(NOW - DAY);
  });

  it('reads the organizationIdentifier of a CAB certificate', () => {
    const parsed = parseCertificate(cab);
    expect(parsed.isCa).toBe(false);
    expect(parsed.organizationIdentifier).toBe('UZ-UZAC-0042');
  });

  it('checks a CAB certificate against its CA', async () => {
    const other = await makeCaCertificate('UZ', NOW - DAY);
    expect(isIssuedBy(parseCertificate(cab), parseCertificate(ca.der))).toBe(true);
    // Same subject Name, different key.
    expect(isIssuedBy(parseCertificate(cab), parseCertificate(other.der))).toBe(false);
    expect(isIssuedBy(parseCertificate(ca.der), parseCertificate(cab))).toBe(false);
  });

  it('checks the validity window', async () => {
    const expired = parseCertificate(await makeCabCertificate({ country: 'UZ', notBefore: NOW - 400 * DAY, days: 30 }));
    expect(codeOf(() => checkValidityAt(expired, NOW))).toBe('certificate_expired');
    const future = parseCertificate(await makeCabCertificate({ country: 'UZ', notBefore: NOW + DAY }));
    expect(codeOf(() => checkValidityAt(future, NOW))).toBe('certificate_not_yet_valid');
    expect(codeOf(() => checkValidityAt(parseCertificate(cab), NOW))).toBe('accepted');
  });

  it('rejects garbage, trailing bytes and truncation', () => {
    expect(codeOf(() => parseCertificate(new Uint8Array([1, 2, 3, 4])))).toBe('certificate_invalid');
    expect(codeOf(() => parseCertificate(new Uint8Array([...cab, 0])))).toBe('certificate_invalid');
    expect(codeOf(() => parseCertificate(cab.subarray(0, cab.length - 10)))).toBe('certificate_invalid');
    expect(codeOf(() => parseCertificate(new Uint8Array(20_000)))).toBe('certificate_invalid');
  });
});

describe('x509 strict DER', () => {
  it('rejects a serial number with a redundant leading zero', async () => {
    // BadEncodedCMS.pdf (from the DSS test suite) embeds a signer certificate whose serial
    // INTEGER starts with a 0x00 byte that DER forbids; lenient ASN.1 parsers accept it.
    const { readFileSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    const { extractSignerCertificates } = await import('../../pdf/extract.js');
    const pdf = readFileSync(resolve(__dirname, '../../../shared/samples/pdf/BadEncodedCMS.pdf'));
    const [signature] = extractSignerCertificates(new Uint8Array(pdf));
    expect(signature?.signerCertificate).toBeDefined();
    let error: unknown;
    try {
      parseCertificate(signature!.signerCertificate!);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RuleError);
    expect((error as RuleError).code).toBe('certificate_invalid');
    expect((error as RuleError).message).toMatch(/strict DER/);
  });
});
