import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { DocumentSpecError, generateDocument, type DocumentSpec } from '../../../cli/pilot/documents.js';
import { findSignatures } from '../../../pdf/signatures.js';

const certificate: DocumentSpec = {
  type: 'CC',
  number: 'UZ-CC-2026-000123',
  issuer: { cabCode: 'UZ-UZAC-0042', cabName: 'Tashkent Certification Centre', country: 'UZ' },
  applicant: { name: 'Samarkand Textiles LLC', address: '12 Registan Street, Samarkand, Uzbekistan' },
  product: { description: "Cotton knitted garments for children's wear, sizes 86 to 164", hsCodes: ['6111', '611120'] },
  regulations: ['TR CU 007/2011', 'TR CU 017/2011'],
  standards: ['GOST 31408-2009', 'ISO 3758:2023'],
  issuedAt: '2026-03-02',
  validUntil: '2029-03-01',
};

const report: DocumentSpec = {
  type: 'TR',
  number: 'KG-TR-2026-0456',
  issuer: { cabCode: 'KG-KCA-0007', cabName: 'Bishkek Electrical Testing Laboratory', country: 'KG' },
  applicant: { name: 'Issyk-Kul Appliances', address: '5 Chui Avenue, Bishkek' },
  product: { description: 'Electric kettle, 2200 W, 1.7 l', hsCodes: ['851671'] },
  regulations: ['TR CU 004/2011', 'TR CU 020/2011'],
  standards: ['IEC 60335-2-15:2016', 'CISPR 14-1:2020'],
  issuedAt: '2026-02-14',
  testResults: [
    ['Leakage current at operating temperature', '<= 0.75 mA', '0.21 mA', 'pass'],
    ['Electric strength', '1250 V, 1 min, no breakdown', 'no breakdown', 'pass'],
    ['Conducted disturbance 150 kHz to 30 MHz', 'below CISPR 14-1 limits', '6 dB margin', 'pass'],
  ],
};

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('generateDocument', () => {
  it.each([certificate, report])('when run twice on $number, it gives the same bytes', async (spec) => {
    const first = await generateDocument(spec);
    const second = await generateDocument(structuredClone(spec));
    expect(sha256(second)).toBe(sha256(first));
  });

  it('gives different bytes for a different number', async () => {
    const other = await generateDocument({ ...certificate, number: 'UZ-CC-2026-000124' });
    expect(sha256(other)).not.toBe(sha256(await generateDocument(certificate)));
  });

  it.each([certificate, report])('when loaded again by pdf-lib, $number keeps its metadata', async (spec) => {
    const loaded = await PDFDocument.load(await generateDocument(spec));
    expect(loaded.getPageCount()).toBeGreaterThanOrEqual(1);
    expect(loaded.getTitle()).toContain(spec.number);
    expect(loaded.getAuthor()).toBe(spec.issuer.cabName);
    expect(loaded.getCreationDate()?.toISOString()).toBe(`${spec.issuedAt}T00:00:00.000Z`);
    expect(loaded.getKeywords()).toContain(spec.issuer.cabCode);
  });

  it('trailer /ID and own parser', async () => {
    const bytes = await generateDocument(certificate);
    const { document, signatures } = findSignatures(bytes);
    expect(signatures).toEqual([]);
    expect(document.revisions).toHaveLength(1);
    expect(document.trailer?.entries.has('ID')).toBe(true);
  });

  it('breaks a long table onto further pages', async () => {
    const rows = Array.from({ length: 80 }, (_, index): [string, string, string, string] => [`Test ${index}`, 'limit', 'value', 'pass']);
    const loaded = await PDFDocument.load(await generateDocument({ ...report, testResults: rows }));
    expect(loaded.getPageCount()).toBeGreaterThan(1);
  });

  it('rejects a malformed date', async () => {
    await expect(generateDocument({ ...certificate, issuedAt: '02.03.2026' })).rejects.toMatchObject({
      code: 'invalid_document_spec',
      field: 'issuedAt',
    });
  });

  it('rejects a CC without an expiry date', async () => {
    await expect(generateDocument({ ...certificate, validUntil: undefined })).rejects.toBeInstanceOf(DocumentSpecError);
  });

  it('rejects an HS code that is not 2 to 10 digits', async () => {
    const spec = { ...certificate, product: { ...certificate.product, hsCodes: ['61.11'] } };
    await expect(generateDocument(spec)).rejects.toMatchObject({ field: 'product.hsCodes' });
  });

  it('rejects text the standard fonts cannot draw', async () => {
    const spec = { ...certificate, applicant: { ...certificate.applicant, name: 'ООО Самарканд' } };
    await expect(generateDocument(spec)).rejects.toMatchObject({ field: 'applicant.name' });
  });
});
