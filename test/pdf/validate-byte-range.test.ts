import { describe, expect, it } from 'vitest';
import { isName, isStream } from '../../pdf/objects.js';
import { findSignatures } from '../../pdf/signatures.js';
import { validatePdfSignatures } from '../../pdf/validate.js';
import { buildPdf } from './build-pdf.js';
import { readSample, rewriteByteRange } from './validate-fixtures.js';

/** ByteRange [0 18801 37747 113379]: /Contents is [18801, 37747) and the file has 151126 bytes. */
const original = readSample('pdf-signed-original.pdf');

function outcome(pdf: Uint8Array): { result: string; message: string } {
  const report = validatePdfSignatures(pdf);
  return { result: `${report.indication}/${report.subIndication}`, message: report.message };
}

/** Returns the offset of a byte inside stream data, which can change without breaking the parse. */
function streamByteIn(from: number, to: number, pdf = original): number {
  const { document } = findSignatures(pdf);
  for (const object of document.objects) {
    const value = object.value;
    const type = value !== null && typeof value === 'object' && value.type === 'stream' ? value.dict.entries.get('Type') : undefined;
    const container = isName(type, 'ObjStm') || isName(type, 'XRef');
    if (isStream(value) && !container && value.dataStart >= from && value.dataEnd <= to && value.dataEnd - value.dataStart > 16) {
      return value.dataStart + 8;
    }
  }
  throw new Error(`no stream inside [${from}, ${to})`);
}

describe('validatePdfSignatures on byte-level changes of a signed file', () => {
  it.each([
    ['the first range', 0, 18801],
    ['the second range', 37747, 151126],
  ])('when a byte in %s is flipped, it is HASH_FAILURE', (_name, from, to) => {
    const pdf = new Uint8Array(original);
    pdf[streamByteIn(from, to)] ^= 0x01;
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/HASH_FAILURE');
    expect(message).toMatch(/message-digest .* is not the sha256 of the signed byte ranges/);
  });

  it('when a legacy digest mismatches, it is HASH_FAILURE', () => {
    // ByteRange [0 61449 69047 3566]: the signature value itself carries the SHA-1 digest.
    const legacy = readSample('pkcs7-no-message-digest.pdf');
    const pdf = new Uint8Array(legacy);
    pdf[streamByteIn(0, 61449, legacy)] ^= 0x01;
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/HASH_FAILURE');
    expect(message).toMatch(/signature value carries sha1 [0-9a-f]{40}, not the digest of the signed byte ranges/);
  });

  it('when bytes are appended after %%EOF, it is FORMAT_FAILURE', () => {
    const pdf = new Uint8Array(Buffer.concat([original, Buffer.from('% appended\n')]));
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/FORMAT_FAILURE');
    expect(message).toMatch(/after the last %%EOF/);
  });

  it('when the file is cut before its end, it is FORMAT_FAILURE', () => {
    expect(outcome(original.subarray(0, original.length - 10)).result).toBe('FAILED/FORMAT_FAILURE');
  });

  it.each([
    ['stops short of the file', [0, 18801, 37747, 113000], /ends at 150747, which is not the end of a revision/],
    ['points past the end', [0, 18801, 37747, 113400], /ends at 151147, past the end of the 151126-byte file/],
    ['overlaps itself', [0, 18801, 18000, 133126], /gap \[18801, 18000\) is not the \/Contents hex string/],
    ['has a gap larger than /Contents', [0, 18800, 37748, 113378], /gap \[18800, 37748\) is not the \/Contents hex string/],
    ['does not start at 0', [1, 18800, 37747, 113379], /starts at 1, want 0/],
    ['has a negative item', [0, 18801, 37747, -1], /not a non-negative integer/],
    ['has three items', [0, 18801, 37747], /has 3 items, want 4/],
  ])('when the ByteRange %s, it is FORMAT_FAILURE', (_name, byteRange, message) => {
    const pdf = rewriteByteRange(original, byteRange);
    const report = validatePdfSignatures(pdf);
    expect(report.indication).toBe('FAILED');
    expect(report.subIndication).toBe('FORMAT_FAILURE');
    expect(report.message).toMatch(message);
    expect(report.signatures[0].byteRange).toEqual(byteRange);
  });

  it('when the ByteRange has a real number, it is FORMAT_FAILURE', () => {
    const pdf = rewriteByteRange(original, [0, 18801, 37747, 1133.5]);
    expect(outcome(pdf).message).toMatch(/not a non-negative integer/);
  });

  it('when the signature dictionary repeats /ByteRange, it is FORMAT_FAILURE', () => {
    const text = Buffer.from(original).toString('latin1');
    const nameStart = text.indexOf('/Name (good-user');
    const nameEnd = text.indexOf(')', nameStart) + 1;
    const pdf = new Uint8Array(original);
    pdf.set(Buffer.from('/ByteRange [0 18801 37747 113379]'.padEnd(nameEnd - nameStart, ' '), 'latin1'), nameStart);
    const { result, message } = outcome(pdf);
    expect(result).toBe('FAILED/FORMAT_FAILURE');
    expect(message).toMatch(/repeats the key \/ByteRange/);
  });

  it('when the file has no signature, it is FORMAT_FAILURE', () => {
    const report = validatePdfSignatures(buildPdf(['<< /Type /Catalog >>']));
    expect(report.indication).toBe('FAILED');
    expect(report.subIndication).toBe('FORMAT_FAILURE');
    expect(report.message).toBe('file has no signature');
  });

  it.each([
    ['empty input', new Uint8Array(0)],
    ['no PDF header', new Uint8Array(Buffer.from('hello'))],
  ])('when given %s, it is FORMAT_FAILURE', (_name, pdf) => {
    expect(outcome(pdf).result).toBe('FAILED/FORMAT_FAILURE');
  });
});
