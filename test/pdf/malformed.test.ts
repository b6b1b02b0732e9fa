import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PdfError } from '../../pdf/errors.js';
import { extractSignerCertificates } from '../../pdf/extract.js';
import { findSignatures } from '../../pdf/signatures.js';
import { buildPdf, signedPdf } from './build-pdf.js';

const samples = path.resolve(import.meta.dirname, '../../../shared/samples/pdf');
const original = new Uint8Array(readFileSync(path.join(samples, 'pdf-signed-original.pdf')));
const single = new Uint8Array(readFileSync(path.join(samples, 'pkcs7-no-message-digest.pdf')));

/** Runs `run` and returns the PdfError it throws; any other outcome fails the test. */
function pdfError(run: () => unknown): PdfError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PdfError);
    return error as PdfError;
  }
  throw new Error('expected a PdfError, got a result');
}

/** Builds a PDF whose startxref points at a Flate xref stream with the given data. */
function xrefStreamPdf(data: Buffer, extra = ''): Buffer {
  const head = Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1');
  const offset = head.length;
  const object = Buffer.concat([
    Buffer.from(`2 0 obj\n<< /Type /XRef /Size 3 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode ${extra}/Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  ]);
  return Buffer.concat([head, object, Buffer.from(`startxref\n${offset}\n%%EOF\n`, 'latin1')]);
}

describe('malformed input', () => {
  it('when the bytes are garbage, it raises format_failure', () => {
    expect(pdfError(() => findSignatures(new TextEncoder().encode('hello, this is not a PDF'))).code).toBe('format_failure');
  });

  it('when the file is empty, it raises format_failure', () => {
    expect(pdfError(() => findSignatures(new Uint8Array(0))).code).toBe('format_failure');
  });

  it('when a single-revision file is truncated, it raises format_failure', () => {
    for (const length of [10, 1000, 40_000, single.length - 20]) {
      expect(pdfError(() => findSignatures(single.subarray(0, length))).code).toBe('format_failure');
    }
  });

  it('when the last revision is truncated, it raises format_failure', () => {
    expect(pdfError(() => findSignatures(original.subarray(0, 100_000))).code).toBe('format_failure');
  });

  it('when truncated anywhere, it never raises anything but a PdfError', () => {
    for (let length = 0; length < original.length; length += 997) {
      try {
        findSignatures(original.subarray(0, length), { recover: true });
      } catch (error) {
        expect(error).toBeInstanceOf(PdfError);
      }
    }
  });

  it('when random bytes are flipped, it never raises anything but a PdfError', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let round = 0; round < 60; round++) {
      const copy = new Uint8Array(single);
      for (let flips = 0; flips < 20; flips++) copy[random() % copy.length] = random() % 256;
      for (const recover of [false, true]) {
        try {
          extractSignerCertificates(copy, { recover });
        } catch (error) {
          expect(error).toBeInstanceOf(PdfError);
        }
      }
    }
  });

  it('when arrays nest 100000 deep, it raises too_deep', () => {
    const bomb = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(pdfError(() => findSignatures(buildPdf(['<< /Type /Catalog >>', bomb]))).code).toBe('too_deep');
  });

  it('when dictionaries nest past the limit, it raises too_deep', () => {
    const bomb = '<< /A '.repeat(70) + '1' + ' >>'.repeat(70);
    expect(pdfError(() => findSignatures(buildPdf(['<< /Type /Catalog >>', bomb]))).code).toBe('too_deep');
  });

  it('when an array holds more items than the limit, it raises too_many_objects', () => {
    const big = `[${'0 '.repeat(2000)}]`;
    const error = pdfError(() => findSignatures(buildPdf(['<< /Type /Catalog >>', big]), { limits: { maxObjects: 1000 } }));
    expect(error.code).toBe('too_many_objects');
    expect(error.limit).toBe(1000);
  });

  it('when an xref subsection claims a billion entries, it raises too_many_objects', () => {
    const pdf = Buffer.from('%PDF-1.4\nxref\n0 1000000000\ntrailer\n<< >>\nstartxref\n9\n%%EOF\n', 'latin1');
    expect(pdfError(() => findSignatures(pdf)).code).toBe('too_many_objects');
  });

  it('when a stream inflates past the limit, it raises decompressed_too_large', () => {
    const bomb = deflateSync(Buffer.alloc(4 * 1024 * 1024));
    const error = pdfError(() => findSignatures(xrefStreamPdf(bomb), { limits: { maxDecompressedSize: 1024 * 1024 } }));
    expect(error.code).toBe('decompressed_too_large');
  });

  it('when a stream is not Flate data, it raises format_failure', () => {
    expect(pdfError(() => findSignatures(xrefStreamPdf(Buffer.from('not zlib at all')))).code).toBe('format_failure');
  });

  it('when a filter is not implemented, it raises unsupported_filter', () => {
    const pdf = xrefStreamPdf(Buffer.from('abc')).toString('latin1').replace('/FlateDecode', '/LZWDecode   ');
    expect(pdfError(() => findSignatures(Buffer.from(pdf, 'latin1'))).code).toBe('unsupported_filter');
  });

  it('when the file is over the size limit, it raises too_large', () => {
    const error = pdfError(() => findSignatures(original, { limits: { maxFileSize: 1000 } }));
    expect(error.code).toBe('too_large');
    expect(error.actual).toBe(original.length);
  });

  it('when /Prev loops, it raises format_failure', () => {
    const pdf = buildPdf(['<< /Type /Catalog >>'], '/Prev 0 ').toString('latin1');
    const xref = pdf.lastIndexOf('xref\n0 2');
    const looped = pdf.replace('/Prev 0 ', `/Prev ${xref} `.padEnd(8 + String(xref).length - 1));
    expect(pdfError(() => findSignatures(Buffer.from(looped, 'latin1'))).code).toBe('format_failure');
  });

  it('when an xref entry points at the wrong object, it raises format_failure', () => {
    const pdf = buildPdf(['<< /Type /Catalog >>', '<< /A 1 >>']).toString('latin1').replace('2 0 obj', '9 0 obj');
    expect(pdfError(() => findSignatures(Buffer.from(pdf, 'latin1'))).code).toBe('format_failure');
  });

  it('when a literal string is not closed, it raises format_failure', () => {
    const pdf = signedPdf('<< /Type /Sig /Reason (open /Contents <3000> >>');
    expect(pdfError(() => findSignatures(pdf)).code).toBe('format_failure');
  });

  it('when the CMS is garbage, it reports cms_invalid for that signature', () => {
    const [result] = extractSignerCertificates(signedPdf('<< /Type /Sig /ByteRange [0 1 2 3] /Contents <3003020105> >>'));
    expect(result.error?.code).toBe('cms_invalid');
    expect(result.certificates).toEqual([]);
  });
});
