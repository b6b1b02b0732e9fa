import { PdfError } from './errors.js';
import { decodeStream } from './filters.js';
import { Lexer } from './lexer.js';
import type { PdfLimits } from './limits.js';
import { isArray, isName, isStream, type PdfDict, type PdfObject } from './objects.js';
import { ObjectParser, expectKeyword, parseIndirectObject } from './parser.js';

/** One cross-reference entry (ISO 32000-2 §7.5.4 and Table 18). */
export type XrefEntry =
  | { kind: 'free' }
  | { kind: 'offset'; offset: number; generation: number }
  | { kind: 'compressed'; streamNumber: number; index: number };

/** One cross-reference section: a classic table with its trailer, or an xref stream. */
export interface XrefSection {
  kind: 'table' | 'stream';
  /** Offset of the `xref` keyword or of the xref stream's object header. */
  offset: number;
  entries: Map<number, XrefEntry>;
  /** The trailer dictionary, or the xref stream's dictionary. */
  trailer: PdfDict;
}

/**
 * Reads the chain of xref sections that starts at `startOffset`, newest first,
 * following /Prev and the /XRefStm of hybrid files. A loop in /Prev, an offset
 * outside the file or a section that does not parse raises format_failure.
 */
export function readXrefChain(bytes: Uint8Array, startOffset: number, limits: PdfLimits): XrefSection[] {
  const sections: XrefSection[] = [];
  const visited = new Set<number>();
  const budget = { entries: 0 };
  let next: number | undefined = startOffset;
  while (next !== undefined) {
    const section = readSection(bytes, next, limits, visited, budget, sections.length);
    sections.push(section);
    // A hybrid file's /XRefStm entries come before those of /Prev (ISO 32000-2 §7.5.8.4).
    const hybrid = section.trailer.entries.get('XRefStm');
    if (section.kind === 'table' && typeof hybrid === 'number') {
      sections.push(readSection(bytes, hybrid, limits, visited, budget, sections.length));
    }
    const prev = section.trailer.entries.get('Prev');
    next = typeof prev === 'number' ? prev : undefined;
  }
  return sections;
}

function readSection(
  bytes: Uint8Array,
  offset: number,
  limits: PdfLimits,
  visited: Set<number>,
  budget: { entries: number },
  count: number,
): XrefSection {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= bytes.length) {
    throw new PdfError('format_failure', `xref offset ${offset} is outside the ${bytes.length}-byte file`, { offset });
  }
  if (visited.has(offset)) {
    throw new PdfError('format_failure', `xref /Prev chain loops back to offset ${offset}`, { offset });
  }
  if (count >= limits.maxRevisions) {
    throw new PdfError('too_many_objects', `more than ${limits.maxRevisions} xref sections`, { limit: limits.maxRevisions });
  }
  visited.add(offset);
  const lexer = new Lexer(bytes, offset);
  const first = lexer.peek();
  if (first.kind === 'keyword' && first.value === 'xref') {
    return readTable(bytes, lexer, first.start, limits, budget);
  }
  return readXrefStream(bytes, offset, limits, budget);
}

function countEntries(budget: { entries: number }, added: number, limits: PdfLimits, offset: number): void {
  budget.entries += added;
  if (budget.entries > limits.maxObjects) {
    throw new PdfError('too_many_objects', `xref sections list more than ${limits.maxObjects} entries`, {
      offset,
      limit: limits.maxObjects,
      actual: budget.entries,
    });
  }
}

/** Reads a classic `xref` table and its `trailer` (ISO 32000-2 §7.5.4, §7.5.5). */
function readTable(
  bytes: Uint8Array,
  lexer: Lexer,
  offset: number,
  limits: PdfLimits,
  budget: { entries: number },
): XrefSection {
  expectKeyword(lexer, 'xref');
  const entries = new Map<number, XrefEntry>();
  for (;;) {
    const token = lexer.next();
    if (token.kind === 'keyword' && token.value === 'trailer') break;
    const countToken = lexer.next();
    if (token.kind !== 'number' || countToken.kind !== 'number' || !token.integer || !countToken.integer) {
      throw new PdfError('format_failure', `invalid xref subsection header at offset ${token.start}`, { offset: token.start });
    }
    const firstNumber = token.value;
    const count = countToken.value;
    countEntries(budget, count, limits, token.start);
    for (let i = 0; i < count; i++) {
      const field1 = lexer.next();
      const field2 = lexer.next();
      const type = lexer.next();
      const valid =
        field1.kind === 'number' && field1.integer && field2.kind === 'number' && field2.integer && type.kind === 'keyword';
      if (!valid || (type.value !== 'n' && type.value !== 'f')) {
        throw new PdfError('format_failure', `invalid xref entry at offset ${field1.start}`, { offset: field1.start });
      }
      const objectNumber = firstNumber + i;
      if (entries.has(objectNumber)) continue;
      entries.set(
        objectNumber,
        type.value === 'n' ? { kind: 'offset', offset: field1.value, generation: field2.value } : { kind: 'free' },
      );
    }
  }
  const trailer = new ObjectParser(lexer, limits).parseObject();
  if (!isDictObject(trailer)) {
    throw new PdfError('format_failure', `trailer after the xref table at offset ${offset} is not a dictionary`, { offset });
  }
  return { kind: 'table', offset, entries, trailer };
}

function isDictObject(value: PdfObject): value is PdfDict {
  return typeof value === 'object' && value !== null && value.type === 'dict';
}

/** Reads a cross-reference stream (ISO 32000-2 §7.5.8). */
function readXrefStream(bytes: Uint8Array, offset: number, limits: PdfLimits, budget: { entries: number }): XrefSection {
  const object = parseIndirectObject(bytes, offset, limits);
  if (!isStream(object.value) || !isName(object.value.dict.entries.get('Type'), 'XRef')) {
    throw new PdfError('format_failure', `startxref or /Prev offset ${offset} points at neither 'xref' nor an xref stream`, {
      offset,
      objectNumber: object.objectNumber,
    });
  }
  const dict = object.value.dict;
  const widths = numberArray(dict.entries.get('W'));
  const size = dict.entries.get('Size');
  if (widths.length !== 3 || widths.some((w) => !Number.isSafeInteger(w) || w < 0 || w > 6) || typeof size !== 'number') {
    throw new PdfError('format_failure', `xref stream ${object.objectNumber} has an invalid /W or /Size`, {
      offset,
      objectNumber: object.objectNumber,
    });
  }

  const index = dict.entries.has('Index') ? numberArray(dict.entries.get('Index')) : [0, size];
  if (index.length % 2 !== 0 || index.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new PdfError('format_failure', `xref stream ${object.objectNumber} has an invalid /Index`, { offset });
  }

  const data = decodeStream(bytes, object.value, limits, object.objectNumber);
  const rowWidth = widths[0] + widths[1] + widths[2];
  const entries = new Map<number, XrefEntry>();
  let position = 0;
  for (let pair = 0; pair < index.length; pair += 2) {
    countEntries(budget, index[pair + 1], limits, offset);
    for (let i = 0; i < index[pair + 1]; i++) {
      if (rowWidth === 0 || position + rowWidth > data.length) {
        throw new PdfError('format_failure', `xref stream ${object.objectNumber} has fewer rows than its /Index lists`, { offset });
      }
      // A missing type field means type 1 (ISO 32000-2 Table 17).
      const type = widths[0] === 0 ? 1 : readField(data, position, widths[0]);
      const field2 = readField(data, position + widths[0], widths[1]);
      const field3 = readField(data, position + widths[0] + widths[1], widths[2]);
      position += rowWidth;
      const objectNumber = index[pair] + i;
      if (entries.has(objectNumber)) continue;
      if (type === 1) entries.set(objectNumber, { kind: 'offset', offset: field2, generation: field3 });
      else if (type === 2) entries.set(objectNumber, { kind: 'compressed', streamNumber: field2, index: field3 });
      else entries.set(objectNumber, { kind: 'free' });
    }
  }
  return { kind: 'stream', offset, entries, trailer: dict };
}

/** Reads a big-endian field of at most 6 bytes, so the value stays a safe integer. */
function readField(data: Uint8Array, start: number, width: number): number {
  let value = 0;
  for (let i = 0; i < width; i++) value = value * 256 + data[start + i];
  return value;
}

function numberArray(value: PdfObject | undefined): number[] {
  if (!isArray(value)) return [];
  return value.items.map((item) => (typeof item === 'number' ? item : Number.NaN));
}
