import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findSignatures } from '../../pdf/signatures.js';
import { validatePdfSignatures } from '../../pdf/validate.js';
import { readSample } from './validate-fixtures.js';

const original = readSample('pdf-signed-original.pdf');
/** The /Contents gap of the sample's ByteRange [0 18801 37747 113379]; every other byte is signed. */
const GAP = { start: 18801, end: 37747 };
const SEED = 20261204;

type Mutation =
  | { kind: 'replace'; offsets: number[]; values: number[] }
  | { kind: 'insert'; offset: number; value: number }
  | { kind: 'delete'; offset: number; length: number };

const offset = fc.integer({ min: 0, max: original.length - 1 });
const byte = fc.integer({ min: 0, max: 255 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('replace' as const), offsets: fc.array(offset, { minLength: 1, maxLength: 3 }), values: fc.array(byte, { minLength: 3, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), offset: fc.integer({ min: 0, max: original.length }), value: byte }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), offset, length: fc.integer({ min: 1, max: 64 }) }) },
);

/** Applies `change` and returns the file and whether a signed byte now differs. */
function apply(change: Mutation): { pdf: Uint8Array; signedChanged: boolean } {
  if (change.kind === 'insert') {
    const pdf = new Uint8Array(Buffer.concat([original.subarray(0, change.offset), Buffer.from([change.value]), original.subarray(change.offset)]));
    return { pdf, signedChanged: true };
  }
  if (change.kind === 'delete') {
    const pdf = new Uint8Array(Buffer.concat([original.subarray(0, change.offset), original.subarray(change.offset + change.length)]));
    return { pdf, signedChanged: true };
  }
  const pdf = new Uint8Array(original);
  let signedChanged = false;
  change.offsets.forEach((at, i) => {
    pdf[at] = change.values[i];
    if ((at < GAP.start || at >= GAP.end) && pdf[at] !== original[at]) signedChanged = true;
  });
  return { pdf, signedChanged };
}

describe('validatePdfSignatures under random mutations', () => {
  it('never throws and never passes a changed signed byte', () => {
    let passed = 0;
    fc.assert(
      fc.property(mutation, (change) => {
        const { pdf, signedChanged } = apply(change);
        const report = validatePdfSignatures(pdf);
        expect(['PASSED', 'FAILED', 'INDETERMINATE']).toContain(report.indication);
        if (report.indication === 'PASSED') passed++;
        // An insertion or deletion shifts the /Contents gap or adds unsigned bytes, so it never passes either.
        if (signedChanged) expect(report.indication).not.toBe('PASSED');
      }),
      { seed: SEED, numRuns: 2000 },
    );
    // Mutations inside the zero padding of /Contents keep the signature valid; some must have been drawn.
    expect(passed).toBeGreaterThan(0);
  });

  it('never throws when the CMS hex digits change', () => {
    const [signature] = findSignatures(original).signatures;
    // Hex digits of the DER itself, after the '<' and before the zero padding.
    const derHexEnd = GAP.start + 1 + signature.contents.length * 2;
    const hexDigit = fc.constantFrom(...'0123456789abcdef'.split('').map((digit) => digit.charCodeAt(0)));
    const change = fc.record({
      offsets: fc.array(fc.integer({ min: GAP.start + 1, max: derHexEnd - 1 }), { minLength: 1, maxLength: 4 }),
      digits: fc.array(hexDigit, { minLength: 4, maxLength: 4 }),
    });
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(change, ({ offsets, digits }) => {
        const pdf = new Uint8Array(original);
        offsets.forEach((at, i) => {
          pdf[at] = digits[i];
        });
        const report = validatePdfSignatures(pdf);
        expect(['PASSED', 'FAILED', 'INDETERMINATE']).toContain(report.indication);
        outcomes.add(`${report.indication}/${report.subIndication}`);
      }),
      { seed: SEED, numRuns: 600 },
    );
    // The mutations reach past the parser into the digest and signature checks.
    expect(outcomes).toContain('FAILED/SIG_CRYPTO_FAILURE');
    expect(outcomes).toContain('FAILED/HASH_FAILURE');
  });
});
