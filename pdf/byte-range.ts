import type { Revision } from './revisions.js';
import type { PdfSignature } from './signatures.js';
import { formatFailure, type SignatureFinding } from './validation-report.js';

/**
 * Checks a signature's /ByteRange [0 a b c] (ISO 32000-2 §12.8.1). It must
 * hold four non-negative integers starting at 0, and its gap [a, b) must be
 * exactly the /Contents hex string with its `<` and `>`. The signed revision
 * [0, b+c) must lie inside the file and end where a revision ends, after
 * `%%EOF` and its end-of-line. The ByteRange is attacker-controlled, so every
 * item is checked before it is used as an offset.
 *
 * Returns undefined when the ByteRange is sound.
 */
export function checkByteRange(signature: PdfSignature, fileSize: number, revisions: Revision[]): SignatureFinding | undefined {
  const range = signature.byteRange;
  if (range.length !== 4) return formatFailure(`/ByteRange has ${range.length} items, want 4`);
  if (!range.every((value) => Number.isSafeInteger(value) && value >= 0)) {
    return formatFailure(`/ByteRange [${range.join(' ')}] has an item that is not a non-negative integer`);
  }
  const [start, a, b, c] = range;
  if (start !== 0) return formatFailure(`/ByteRange starts at ${start}, want 0`);
  if (signature.contentsRange === undefined) {
    return formatFailure(`signature dictionary ${signature.objectNumber} is in an object stream, so its /Contents has no file offset`);
  }
  const contents = signature.contentsRange;
  if (a !== contents.start || b !== contents.end) {
    return formatFailure(`/ByteRange gap [${a}, ${b}) is not the /Contents hex string at [${contents.start}, ${contents.end})`);
  }
  const end = b + c;
  if (end > fileSize) return formatFailure(`/ByteRange ends at ${end}, past the end of the ${fileSize}-byte file`);
  // A revision ends after `%%EOF` and its end-of-line; some writers (pdf-lib among them) put no
  // end-of-line there and start the next update with one, so either end counts.
  const atRevisionEnd = (revision: { eofOffset: number; end: number }): boolean =>
    revision.end === end || revision.eofOffset + EOF_MARKER_LENGTH === end;
  if (!revisions.some(atRevisionEnd)) {
    return formatFailure(`/ByteRange ends at ${end}, which is not the end of a revision (after %%EOF)`);
  }
  return undefined;
}

const EOF_MARKER_LENGTH = '%%EOF'.length;

/** Returns the end of the signed revision, b+c, or NaN when the ByteRange has no usable third and fourth items. */
export function revisionEndOf(byteRange: number[]): number {
  if (byteRange.length !== 4) return Number.NaN;
  return byteRange[2] + byteRange[3];
}

/** Returns the two signed slices of `pdf`; call only after checkByteRange passed. */
export function signedRanges(pdf: Uint8Array, byteRange: number[]): Uint8Array[] {
  const [, a, b, c] = byteRange;
  return [pdf.subarray(0, a), pdf.subarray(b, b + c)];
}
