/**
 * Checks the DER rules (ITU-T X.690 §10 and §8.3.2) that lenient BER parsers,
 * @peculiar/x509 2.2.0 and pkijs 4 among them, let through: definite and
 * minimally encoded lengths, minimally encoded INTEGERs, BOOLEAN as 00 or FF,
 * and no bytes after the outer element. OpenSSL 3.0.19 rejects a certificate whose
 * serial number has a superfluous leading zero byte ("illegal padding"), so
 * this check is what tells the two behaviours apart.
 */
export interface DerViolation {
  /** Offset of the element's tag in the checked bytes. */
  offset: number;
  message: string;
}

const MAX_DEPTH = 64;
const MAX_VIOLATIONS = 32;

/** Returns the DER violations of `bytes` (attacker-controlled), empty when it is strict DER. */
export function findDerViolations(bytes: Uint8Array): DerViolation[] {
  const violations: DerViolation[] = [];
  const end = walk(bytes, 0, bytes.length, 0, violations);
  if (end !== undefined && end !== bytes.length) {
    violations.push({ offset: end, message: `${bytes.length - end} bytes follow the outer element` });
  }
  return violations.slice(0, MAX_VIOLATIONS);
}

/** Checks one element at `start`; returns its end, or undefined when it cannot be read. */
function walk(bytes: Uint8Array, start: number, limit: number, depth: number, out: DerViolation[]): number | undefined {
  if (depth > MAX_DEPTH || out.length >= MAX_VIOLATIONS) {
    if (depth > MAX_DEPTH) out.push({ offset: start, message: `nesting deeper than ${MAX_DEPTH}` });
    return undefined;
  }
  let pos = start;
  if (pos + 2 > limit) {
    out.push({ offset: start, message: 'element truncated before its length' });
    return undefined;
  }
  const tag = bytes[pos++];
  if (tag % 32 === 31) {
    while (pos < limit && bytes[pos] >= 0x80) pos++;
    pos++;
  }
  if (pos >= limit) {
    out.push({ offset: start, message: 'element truncated in its tag' });
    return undefined;
  }

  const first = bytes[pos++];
  if (first === 0x80) {
    out.push({ offset: start, message: 'indefinite length, which DER forbids' });
    return undefined;
  }
  let length = first;
  if (first > 0x80) {
    const count = first - 0x80;
    if (count > 6 || pos + count > limit) {
      out.push({ offset: start, message: `unreadable ${count}-byte length` });
      return undefined;
    }
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos + i];
    if (bytes[pos] === 0 || length < 0x80) {
      out.push({ offset: start, message: `length ${length} is not in its shortest form` });
    }
    pos += count;
  }

  const contentEnd = pos + length;
  if (contentEnd > limit) {
    out.push({ offset: start, message: `length ${length} runs past the enclosing element` });
    return undefined;
  }
  checkPrimitive(bytes, tag, start, pos, contentEnd, out);
  const constructed = Math.floor(tag / 32) % 2 === 1;
  if (constructed) {
    let child = pos;
    while (child < contentEnd) {
      const next = walk(bytes, child, contentEnd, depth + 1, out);
      if (next === undefined) return contentEnd;
      child = next;
    }
  }
  return contentEnd;
}

function checkPrimitive(
  bytes: Uint8Array,
  tag: number,
  start: number,
  content: number,
  contentEnd: number,
  out: DerViolation[],
): void {
  const length = contentEnd - content;
  if (tag === 0x02) {
    // X.690 §8.3.2: the first nine bits of an INTEGER are never all 0 or all 1.
    if (length === 0) out.push({ offset: start, message: 'INTEGER with no content' });
    else if (length > 1) {
      const redundantZero = bytes[content] === 0x00 && bytes[content + 1] < 0x80;
      const redundantOnes = bytes[content] === 0xff && bytes[content + 1] >= 0x80;
      if (redundantZero || redundantOnes) {
        out.push({ offset: start, message: 'INTEGER with a superfluous leading byte' });
      }
    }
  } else if (tag === 0x01) {
    if (length !== 1 || (bytes[content] !== 0x00 && bytes[content] !== 0xff)) {
      out.push({ offset: start, message: 'BOOLEAN other than a single 00 or FF byte' });
    }
  }
}
