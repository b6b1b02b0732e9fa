import { PdfError } from './errors.js';
import { Lexer, isWhitespace, type Token } from './lexer.js';
import type { PdfLimits } from './limits.js';
import {
  isDict,
  isRef,
  type IndirectObject,
  type PdfDict,
  type PdfObject,
  type PdfRef,
  type PdfStream,
} from './objects.js';

/** Resolves a /Length given as an indirect reference; undefined when it cannot. */
export type LengthResolver = (ref: PdfRef) => number | undefined;

/**
 * Reads PDF objects (ISO 32000-2 §7.3) from a lexer. Nesting depth and the
 * number of items per array or dictionary are bounded by the limits.
 */
export class ObjectParser {
  readonly lexer: Lexer;
  private readonly limits: PdfLimits;

  constructor(lexer: Lexer, limits: PdfLimits) {
    this.lexer = lexer;
    this.limits = limits;
  }

  parseObject(depth = 0): PdfObject {
    const token = this.lexer.next();
    return this.objectFromToken(token, depth);
  }

  private objectFromToken(token: Token, depth: number): PdfObject {
    switch (token.kind) {
      case 'number':
        return token.integer ? this.numberOrRef(token) : token.value;
      case 'name':
        return { type: 'name', value: token.value };
      case 'string':
        return { type: 'string', bytes: token.bytes, hex: token.hex, start: token.start, end: token.end };
      case 'keyword':
        if (token.value === 'true') return true;
        if (token.value === 'false') return false;
        if (token.value === 'null') return null;
        throw new PdfError('format_failure', `unexpected keyword '${token.value}' at offset ${token.start}`, {
          offset: token.start,
          actual: token.value,
        });
      case 'delimiter':
        if (token.value === '[') return this.parseArray(token.start, depth + 1);
        if (token.value === '<<') return this.parseDict(token.start, depth + 1);
        throw new PdfError('format_failure', `unexpected '${token.value}' at offset ${token.start}`, {
          offset: token.start,
        });
      case 'eof':
        throw new PdfError('format_failure', `unexpected end of data at offset ${token.start}`, {
          offset: token.start,
        });
    }
  }

  /** Reads `N G R` when it follows, else the plain integer. */
  private numberOrRef(first: Extract<Token, { kind: 'number' }>): PdfObject {
    const saved = this.lexer.pos;
    const second = this.lexer.next();
    if (second.kind === 'number' && second.integer) {
      const third = this.lexer.next();
      if (third.kind === 'keyword' && third.value === 'R') {
        return this.makeRef(first.value, second.value, first.start);
      }
    }
    this.lexer.pos = saved;
    return first.value;
  }

  private makeRef(objectNumber: number, generation: number, offset: number): PdfRef {
    if (!Number.isSafeInteger(objectNumber) || objectNumber < 0 || generation < 0 || generation > 65535) {
      throw new PdfError('format_failure', `invalid reference ${objectNumber} ${generation} R at offset ${offset}`, {
        offset,
      });
    }
    return { type: 'ref', objectNumber, generation };
  }

  private checkDepth(depth: number, start: number): void {
    if (depth > this.limits.maxDepth) {
      throw new PdfError('too_deep', `nesting at offset ${start} is deeper than ${this.limits.maxDepth}`, {
        offset: start,
        limit: this.limits.maxDepth,
      });
    }
  }

  private checkItems(count: number, start: number): void {
    if (count > this.limits.maxObjects) {
      throw new PdfError('too_many_objects', `container at offset ${start} has more than ${this.limits.maxObjects} items`, {
        offset: start,
        limit: this.limits.maxObjects,
      });
    }
  }

  private parseArray(start: number, depth: number): PdfObject {
    this.checkDepth(depth, start);
    const items: PdfObject[] = [];
    for (;;) {
      const token = this.lexer.next();
      if (token.kind === 'delimiter' && token.value === ']') return { type: 'array', items };
      items.push(this.objectFromToken(token, depth));
      this.checkItems(items.length, start);
    }
  }

  private parseDict(start: number, depth: number): PdfDict {
    this.checkDepth(depth, start);
    const entries = new Map<string, PdfObject>();
    const seen = new Set<string>();
    for (;;) {
      const token = this.lexer.next();
      if (token.kind === 'delimiter' && token.value === '>>') {
        return { type: 'dict', entries, start, end: token.end };
      }
      if (token.kind !== 'name') {
        throw new PdfError('format_failure', `dictionary at offset ${start} has a non-name key at offset ${token.start}`, {
          offset: token.start,
        });
      }
      // ISO 32000-2 §7.3.7 forbids a repeated key. Readers disagree on which
      // value wins, so a signed /ByteRange or an updated /Annots could read
      // differently elsewhere: reject the dictionary instead of picking one.
      if (seen.has(token.value)) {
        throw new PdfError('format_failure', `dictionary at offset ${start} repeats the key /${token.value} at offset ${token.start}`, {
          offset: token.start,
          actual: token.value,
        });
      }
      seen.add(token.value);
      const value = this.parseObject(depth);
      // ISO 32000-2 §7.3.7: a null value is the same as an absent entry.
      if (value === null) entries.delete(token.value);
      else entries.set(token.value, value);
      this.checkItems(entries.size, start);
    }
  }
}

/** Expects the keyword `word` next; returns its token or throws format_failure. */
export function expectKeyword(lexer: Lexer, word: string): Token {
  const token = lexer.next();
  if (token.kind !== 'keyword' || token.value !== word) {
    throw new PdfError('format_failure', `expected '${word}' at offset ${token.start}`, { offset: token.start });
  }
  return token;
}

function expectInteger(lexer: Lexer, expected: string): number {
  const token = lexer.next();
  if (token.kind !== 'number' || !token.integer || token.value < 0 || !Number.isSafeInteger(token.value)) {
    throw new PdfError('format_failure', `expected ${expected} at offset ${token.start}`, { offset: token.start });
  }
  return token.value;
}

/**
 * Reads the indirect object `N G obj … endobj` whose header starts at `offset`
 * (leading whitespace allowed). When `expected` is given, the header must name
 * that object number.
 */
export function parseIndirectObject(
  bytes: Uint8Array,
  offset: number,
  limits: PdfLimits,
  options: { expected?: number; resolveLength?: LengthResolver } = {},
): IndirectObject & { end: number } {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= bytes.length) {
    throw new PdfError('format_failure', `object offset ${offset} is outside the ${bytes.length}-byte file`, {
      offset,
      objectNumber: options.expected,
    });
  }
  const lexer = new Lexer(bytes, offset);
  const objectNumber = expectInteger(lexer, 'an object number');
  const generation = expectInteger(lexer, 'a generation number');
  expectKeyword(lexer, 'obj');
  if (options.expected !== undefined && options.expected !== objectNumber) {
    throw new PdfError(
      'format_failure',
      `xref points object ${options.expected} at offset ${offset}, which holds object ${objectNumber}`,
      { offset, objectNumber: options.expected },
    );
  }
  const parser = new ObjectParser(lexer, limits);
  let value = parser.parseObject();
  const after = lexer.peek();
  if (after.kind === 'keyword' && after.value === 'stream' && isDict(value)) {
    lexer.pos = after.end;
    value = readStream(bytes, lexer, value, objectNumber, options.resolveLength);
  }
  const endToken = lexer.peek();
  if (endToken.kind === 'keyword' && endToken.value === 'endobj') lexer.pos = endToken.end;
  // NOTE: a missing 'endobj' is tolerated, as in common readers; the object
  // ends after its value. Revision comparison does not depend on it.
  return { objectNumber, generation, value, offset, end: lexer.pos };
}

const ENDSTREAM = Buffer.from('endstream', 'latin1');

/** Reads the stream data after the `stream` keyword (ISO 32000-2 §7.3.8.1). */
function readStream(
  bytes: Uint8Array,
  lexer: Lexer,
  dict: PdfDict,
  objectNumber: number,
  resolveLength?: LengthResolver,
): PdfStream {
  // The keyword is followed by CRLF or LF; a lone CR is accepted too.
  let dataStart = lexer.pos;
  if (bytes[dataStart] === 13) dataStart++;
  if (bytes[dataStart] === 10) dataStart++;

  const lengthValue = dict.entries.get('Length');
  let length: number | undefined;
  if (typeof lengthValue === 'number') length = lengthValue;
  else if (isRef(lengthValue) && resolveLength) length = resolveLength(lengthValue);

  let dataEnd: number | undefined;
  if (length !== undefined && Number.isSafeInteger(length) && length >= 0 && dataStart + length <= bytes.length) {
    if (endstreamFollows(bytes, dataStart + length)) dataEnd = dataStart + length;
  }
  if (dataEnd === undefined) {
    // /Length missing or wrong: fall back to the next 'endstream' keyword.
    const found = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).indexOf(ENDSTREAM, dataStart);
    if (found < 0) {
      throw new PdfError('format_failure', `stream of object ${objectNumber} has no 'endstream'`, {
        offset: dataStart,
        objectNumber,
      });
    }
    dataEnd = found;
    if (dataEnd > dataStart && bytes[dataEnd - 1] === 10) dataEnd--;
    if (dataEnd > dataStart && bytes[dataEnd - 1] === 13) dataEnd--;
  }
  lexer.pos = dataEnd;
  expectKeyword(lexer, 'endstream');
  return { type: 'stream', dict, dataStart, dataEnd };
}

function endstreamFollows(bytes: Uint8Array, position: number): boolean {
  let pos = position;
  while (pos < bytes.length && isWhitespace(bytes[pos])) pos++;
  if (pos + ENDSTREAM.length > bytes.length) return false;
  for (let i = 0; i < ENDSTREAM.length; i++) {
    if (bytes[pos + i] !== ENDSTREAM[i]) return false;
  }
  return true;
}
