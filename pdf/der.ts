import { PdfError } from './errors.js';

const MAX_BER_DEPTH = 64;

/**
 * Returns the encoded length of the first BER/DER element of `bytes` (tag,
 * length and value), so the zero padding after a signature's CMS can be cut.
 * Indefinite lengths (BER, which some signers still write) are followed to
 * their end-of-contents marker. Raises contents_invalid when the element does
 * not fit in `bytes`.
 */
export function berElementLength(bytes: Uint8Array): number {
  return elementEnd(bytes, 0, 0);
}

function elementEnd(bytes: Uint8Array, start: number, depth: number): number {
  if (depth > MAX_BER_DEPTH) {
    throw new PdfError('contents_invalid', `BER nesting deeper than ${MAX_BER_DEPTH}`, { limit: MAX_BER_DEPTH });
  }
  let pos = start;
  const need = (count: number): void => {
    if (pos + count > bytes.length) {
      throw new PdfError('contents_invalid', `BER element at byte ${start} runs past the ${bytes.length} bytes of /Contents`, {
        actual: bytes.length,
      });
    }
  };
  need(2);
  const tag = bytes[pos++];
  const constructed = Math.floor(tag / 32) % 2 === 1;
  if (tag % 32 === 31) {
    // High tag number form: continuation bytes have their top bit set.
    do {
      need(1);
    } while (bytes[pos++] >= 0x80);
  }
  need(1);
  const first = bytes[pos++];
  if (first === 0x80) {
    if (!constructed) throw new PdfError('contents_invalid', `primitive BER element at byte ${start} has an indefinite length`);
    for (;;) {
      need(2);
      if (bytes[pos] === 0 && bytes[pos + 1] === 0) return pos + 2;
      pos = elementEnd(bytes, pos, depth + 1);
    }
  }
  let length = first;
  if (first > 0x80) {
    const count = first - 0x80;
    if (count > 6) throw new PdfError('contents_invalid', `BER length of ${count} bytes at byte ${start}`);
    need(count);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++];
  }
  need(length);
  return pos + length;
}
