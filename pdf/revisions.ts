import { PdfError } from './errors.js';
import { Lexer } from './lexer.js';
import type { PdfLimits } from './limits.js';

/**
 * One revision of the file: the bytes from offset 0 to `end` form a complete
 * PDF as written by the writer that appended it (ISO 32000-2 §7.5.6).
 */
export interface Revision {
  /** Offset of the `startxref` keyword. */
  startxrefOffset: number;
  /** The xref offset written after `startxref`, possibly wrong. */
  startxref: number;
  /** Offset of the `%%EOF` marker. */
  eofOffset: number;
  /** Offset just after `%%EOF` and the end-of-line that follows it, if any. */
  end: number;
}

const STARTXREF = Buffer.from('startxref', 'latin1');
const EOF_MARKER = Buffer.from('%%EOF', 'latin1');

/**
 * Finds every `startxref N %%EOF` in file order. A signed revision ends at the
 * end of its `%%EOF` line, which is what a ByteRange is compared with.
 */
export function findRevisions(bytes: Uint8Array, limits: PdfLimits): Revision[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const revisions: Revision[] = [];
  let from = 0;
  for (;;) {
    const keyword = buffer.indexOf(STARTXREF, from);
    if (keyword < 0) break;
    from = keyword + STARTXREF.length;
    const lexer = new Lexer(bytes, from);
    const token = lexer.next();
    if (token.kind !== 'number' || !token.integer) continue;
    // The %%EOF marker follows on the next line; skip whitespace only, since
    // the lexer would read the marker itself as a comment.
    let marker = token.end;
    while (marker < bytes.length && (bytes[marker] === 10 || bytes[marker] === 13 || bytes[marker] === 32 || bytes[marker] === 9)) {
      marker++;
    }
    if (buffer.indexOf(EOF_MARKER, marker) !== marker) continue;
    let end = marker + EOF_MARKER.length;
    if (bytes[end] === 13) end++;
    if (bytes[end] === 10) end++;
    revisions.push({ startxrefOffset: keyword, startxref: token.value, eofOffset: marker, end });
    if (revisions.length > limits.maxRevisions) {
      throw new PdfError('too_many_objects', `more than ${limits.maxRevisions} revisions`, { limit: limits.maxRevisions });
    }
  }
  return revisions;
}

/**
 * Returns the first revision after `signedEnd` that is not an incremental
 * update (ISO 32000-2 §7.5.6), or undefined when all are. Each must have its
 * `startxref` at an xref section the document read (`sectionOffsets`) that
 * lies between the end of the revision before it and its own `startxref`
 * keyword. Otherwise bytes after a signature could end with the offset of an
 * old xref and carry text or objects that a lenient reader might still use.
 */
export function findNonIncrementalRevision(
  revisions: Revision[],
  signedEnd: number,
  sectionOffsets: ReadonlySet<number>,
): Revision | undefined {
  let previousEnd = signedEnd;
  for (const revision of revisions) {
    if (revision.startxrefOffset < signedEnd) continue;
    const inside = revision.startxref >= previousEnd && revision.startxref < revision.startxrefOffset;
    if (!inside || !sectionOffsets.has(revision.startxref)) return revision;
    previousEnd = revision.end;
  }
  return undefined;
}
