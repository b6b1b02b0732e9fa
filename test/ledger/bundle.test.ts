import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ENTRY_SIZE, decodeBundle, encodeBundle } from '../../ledger/bundle.js';
import { NoteError } from '../../ledger/errors.js';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NoteError);
    return (error as NoteError).code;
  }
  throw new Error('expected a NoteError, nothing was thrown');
}

describe('entry bundles', () => {
  it('encodes a uint16 big-endian length before each entry', () => {
    const bytes = encodeBundle([new Uint8Array([7, 8, 9]), new Uint8Array(0), new Uint8Array(258).fill(1)]);
    expect([...bytes.subarray(0, 7)]).toEqual([0, 3, 7, 8, 9, 0, 0]);
    expect([...bytes.subarray(7, 9)]).toEqual([1, 2]);
    expect(bytes).toHaveLength(2 + 3 + 2 + 2 + 258);
  });

  it('round trips random bundles', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 256 }), (entries) => {
        const decoded = decodeBundle(encodeBundle(entries), entries.length);
        expect(decoded.map((e) => Buffer.from(e).toString('hex'))).toEqual(entries.map((e) => Buffer.from(e).toString('hex')));
      }),
      { numRuns: 1000 },
    );
  });

  it('entry of 65535 bytes fits, 65536 does not', () => {
    const largest = new Uint8Array(MAX_ENTRY_SIZE).fill(0xab);
    expect(decodeBundle(encodeBundle([largest]))[0]).toHaveLength(MAX_ENTRY_SIZE);
    expect(codeOf(() => encodeBundle([new Uint8Array(MAX_ENTRY_SIZE + 1)]))).toBe('invalid_bundle');
  });

  it('zero or 257 entries are invalid_bundle', () => {
    expect(codeOf(() => encodeBundle([]))).toBe('invalid_bundle');
    expect(codeOf(() => encodeBundle(Array.from({ length: 257 }, () => new Uint8Array(1))))).toBe('invalid_bundle');
  });

  it('truncated length is malformed_bundle', () => {
    expect(codeOf(() => decodeBundle(new Uint8Array([0, 1, 5, 0])))).toBe('malformed_bundle');
  });

  it('truncated entry is malformed_bundle', () => {
    const bytes = encodeBundle([new Uint8Array(10)]);
    expect(codeOf(() => decodeBundle(bytes.subarray(0, bytes.length - 1)))).toBe('malformed_bundle');
  });

  it('bytes after 256 entries are malformed_bundle', () => {
    const full = encodeBundle(Array.from({ length: 256 }, () => new Uint8Array(1)));
    expect(decodeBundle(full)).toHaveLength(256);
    const extra = new Uint8Array([...full, 0, 0]);
    expect(codeOf(() => decodeBundle(extra))).toBe('malformed_bundle');
  });

  it('count other than expected is malformed_bundle', () => {
    const bytes = encodeBundle([new Uint8Array(1), new Uint8Array(2)]);
    expect(codeOf(() => decodeBundle(bytes, 3))).toBe('malformed_bundle');
    expect(codeOf(() => decodeBundle(bytes, 1))).toBe('malformed_bundle');
    expect(decodeBundle(bytes, 2)).toHaveLength(2);
  });

  it('empty bytes are malformed_bundle', () => {
    expect(codeOf(() => decodeBundle(new Uint8Array(0)))).toBe('malformed_bundle');
  });

  it('expected count outside 1..256 is invalid_bundle', () => {
    expect(codeOf(() => decodeBundle(new Uint8Array([0, 0]), 0))).toBe('invalid_bundle');
    expect(codeOf(() => decodeBundle(new Uint8Array([0, 0]), 257))).toBe('invalid_bundle');
  });

  it('decoded entries are copies', () => {
    const bytes = encodeBundle([new Uint8Array([1, 2])]);
    const [entry] = decodeBundle(bytes);
    bytes[2] = 9;
    expect([...entry!]).toEqual([1, 2]);
  });
});
