import { describe, expect, it } from 'vitest';

import { generateDocument } from '../../../cli/pilot/documents.js';
import { createCabCertificate, createNationalCa } from '../../../cli/pilot/pki.js';
import { flipHeaderCommentByte, signGenerated } from '../../../cli/pilot/signing.js';
import { validatePdfSignatures } from '../../../pdf/index.js';

const now = Date.now();
const validity = { notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 365 * 86_400_000) };

async function signedReport(): Promise<Uint8Array> {
  const ca = await createNationalCa('UZ', 'Test CA', validity, 'ECDSA-P256');
  const cab = await createCabCertificate(ca, { cabCode: 'UZ-UZAC-0001', cabName: 'Test Laboratory', country: 'UZ', ...validity });
  const pdf = await generateDocument({
    type: 'TR',
    number: 'UZ-UZAC-0001/TR/1',
    issuer: { cabCode: 'UZ-UZAC-0001', cabName: 'Test Laboratory', country: 'UZ' },
    applicant: { name: 'Applicant', address: 'Street 1' },
    product: { description: 'Kettle', hsCodes: ['851671'] },
    regulations: ['TR CU 004/2011'],
    standards: ['IEC 60335-1'],
    issuedAt: '2026-01-15',
  });
  const signed = await signGenerated(pdf, cab, ca, 'UZ-UZAC-0001/TR/1');
  expect(Buffer.from(signed.subarray(0, pdf.length)).equals(Buffer.from(pdf))).toBe(true);
  return signed;
}

describe('signGenerated', () => {
  it('signs as PAdES-BASELINE-B', async () => {
    const signed = await signedReport();
    const report = validatePdfSignatures(signed, { requireBaselineB: true });
    expect(report.indication).toBe('PASSED');
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.signerCertificate).toBeDefined();
  });

  it('flipped header byte: HASH_FAILURE', async () => {
    const changed = flipHeaderCommentByte(await signedReport());
    const report = validatePdfSignatures(changed);
    expect(report.indication).toBe('FAILED');
    expect(report.subIndication).toBe('HASH_FAILURE');
  });

  it('no header comment: RangeError', () => {
    expect(() => flipHeaderCommentByte(new TextEncoder().encode('%PDF-1.7\n1 0 obj'))).toThrow(RangeError);
  });
});
