import { PdfError } from './errors.js';

/**
 * Tokens of the PDF syntax (ISO 32000-2 §7.2). The lexer works on the raw
 * file bytes, which an attacker controls, so it never reads past the end and
 * reports every malformed token as a PdfError with its offset.
 */
export type Token =
  | { kind: 'number'; value: number; integer: boolean; start: number; end: number }
  | { kind: 'name'; value: string; start: number; end: number }
  | { kind: 'string'; bytes: Uint8Array; hex: boolean; start: number; end: number }
  | { kind: 'keyword'; value: string; start: number; end: number }
  | { kind: 'delimiter'; value: '<<' | '>>' | '[' | ']' | '{' | '}'; start: number; end: number }
  | { kind: 'eof'; start: number; end: number };

export function isWhitespace(byte: number): boolean {
  return byte === 0 || byte === 9 || byte === 10 || byte === 12 || byte === 13 || byte === 32;
}

export function isDelimiter(byte: number): boolean {
  // ( ) < > [ ] { } / %
  return (
    byte === 0x28 ||
    byte === 0x29 ||
    byte === 0x3c ||
    byte === 0x3e ||
    byte === 0x5b ||
    byte === 0x5d ||
    byte === 0x7b ||
    byte === 0x7d ||
    byte === 0x2f ||
    byte === 0x25
  );
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)$/;
// Keywords are short (obj, endobj, stream, xref, trailer, true, …); a longer
// run of regular characters is garbage, and the cap bounds the string built.
const MAX_KEYWORD_LENGTH = 64;

export class Lexer {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  /** Skips whitespace and `%` comments up to the next token. */
  skipWhitespace(): void {
    const bytes = this.bytes;
    while (this.pos < this.end) {
      const byte = bytes[this.pos];
      if (isWhitespace(byte)) {
        this.pos++;
      } else if (byte === 0x25) {
        while (this.pos < this.end && bytes[this.pos] !== 10 && bytes[this.pos] !== 13) this.pos++;
      } else {
        return;
      }
    }
  }

  peek(): Token {
    const saved = this.pos;
    const token = this.next();
    this.pos = saved;
    return token;
  }

  next(): Token {
    this.skipWhitespace();
    const start = this.pos;
    if (start >= this.end) return { kind: 'eof', start, end: start };
    const byte = this.bytes[start];
    switch (byte) {
      case 0x2f: // '/'
        return this.readName();
      case 0x28: // '('
        return this.readLiteralString();
      case 0x3c: // '<'
        if (this.bytes[start + 1] === 0x3c && start + 1 < this.end) {
          this.pos = start + 2;
          return { kind: 'delimiter', value: '<<', start, end: this.pos };
        }
        return this.readHexString();
      case 0x3e: // '>'
        if (this.bytes[start + 1] === 0x3e && start + 1 < this.end) {
          this.pos = start + 2;
          return { kind: 'delimiter', value: '>>', start, end: this.pos };
        }
        throw new PdfError('format_failure', `unexpected '>' at offset ${start}`, { offset: start });
      case 0x5b:
      case 0x5d:
      case 0x7b:
      case 0x7d:
        this.pos = start + 1;
        return {
          kind: 'delimiter',
          value: String.fromCharCode(byte) as '[' | ']' | '{' | '}',
          start,
          end: this.pos,
        };
      case 0x29:
        throw new PdfError('format_failure', `unexpected ')' at offset ${start}`, { offset: start });
      default:
        return this.readRegular();
    }
  }

  private readRegular(): Token {
    const start = this.pos;
    while (this.pos < this.end) {
      const byte = this.bytes[this.pos];
      if (isWhitespace(byte) || isDelimiter(byte)) break;
      this.pos++;
      if (this.pos - start > MAX_KEYWORD_LENGTH) {
        throw new PdfError('format_failure', `token at offset ${start} is longer than ${MAX_KEYWORD_LENGTH} bytes`, {
          offset: start,
        });
      }
    }
    const text = Buffer.from(this.bytes.subarray(start, this.pos)).toString('latin1');
    if (NUMBER_PATTERN.test(text)) {
      return {
        kind: 'number',
        value: Number(text),
        integer: !text.includes('.'),
        start,
        end: this.pos,
      };
    }
    return { kind: 'keyword', value: text, start, end: this.pos };
  }

  /** Reads `/Name`, decoding `#xx` escapes (ISO 32000-2 §7.3.5). */
  private readName(): Token {
    const start = this.pos;
    this.pos++;
    const out: number[] = [];
    while (this.pos < this.end) {
      const byte = this.bytes[this.pos];
      if (isWhitespace(byte) || isDelimiter(byte)) break;
      if (byte === 0x23 && this.pos + 2 < this.end) {
        const high = hexValue(this.bytes[this.pos + 1]);
        const low = hexValue(this.bytes[this.pos + 2]);
        if (high >= 0 && low >= 0) {
          out.push(high * 16 + low);
          this.pos += 3;
          continue;
        }
      }
      // A '#' without two hex digits is kept as written, as PDF 1.1 readers did.
      out.push(byte);
      this.pos++;
      if (out.length > 127 * 4) {
        throw new PdfError('format_failure', `name at offset ${start} is too long`, { offset: start });
      }
    }
    return { kind: 'name', value: Buffer.from(out).toString('latin1'), start, end: this.pos };
  }

  /** Reads `(…)` with balanced parentheses and escapes (ISO 32000-2 §7.3.4.2). */
  private readLiteralString(): Token {
    const start = this.pos;
    const bytes = this.bytes;
    const out: number[] = [];
    let depth = 1;
    this.pos++;
    while (this.pos < this.end) {
      const byte = bytes[this.pos++];
      if (byte === 0x5c) {
        if (this.pos >= this.end) break;
        this.readEscape(out);
        continue;
      }
      if (byte === 0x28) depth++;
      if (byte === 0x29) {
        depth--;
        if (depth === 0) {
          return { kind: 'string', bytes: Uint8Array.from(out), hex: false, start, end: this.pos };
        }
      }
      if (byte === 13) {
        // An unescaped CR or CRLF inside a string reads as a single LF.
        if (bytes[this.pos] === 10) this.pos++;
        out.push(10);
        continue;
      }
      out.push(byte);
    }
    throw new PdfError('format_failure', `literal string at offset ${start} is not terminated`, {
      offset: start,
    });
  }

  private readEscape(out: number[]): void {
    const bytes = this.bytes;
    const byte = bytes[this.pos++];
    const simple: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12 };
    if (byte in simple) {
      out.push(simple[byte]);
    } else if (byte >= 0x30 && byte <= 0x37) {
      let value = byte - 0x30;
      for (let i = 0; i < 2 && this.pos < this.end; i++) {
        const digit = bytes[this.pos];
        if (digit < 0x30 || digit > 0x37) break;
        value = value * 8 + (digit - 0x30);
        this.pos++;
      }
      out.push(value % 256);
    } else if (byte === 13) {
      // Backslash before an end of line continues the string on the next line.
      if (bytes[this.pos] === 10) this.pos++;
    } else if (byte !== 10) {
      // \( \) \\ and any other escaped byte stand for the byte itself.
      out.push(byte);
    }
  }

  /** Reads `<…>`; whitespace is ignored and an odd final digit is followed by 0. */
  private readHexString(): Token {
    const start = this.pos;
    const bytes = this.bytes;
    this.pos++;
    const digits: number[] = [];
    while (this.pos < this.end) {
      const byte = bytes[this.pos++];
      if (byte === 0x3e) {
        if (digits.length % 2 === 1) digits.push(0);
        const out = new Uint8Array(digits.length / 2);
        for (let i = 0; i < out.length; i++) out[i] = digits[2 * i] * 16 + digits[2 * i + 1];
        return { kind: 'string', bytes: out, hex: true, start, end: this.pos };
      }
      if (isWhitespace(byte)) continue;
      const value = hexValue(byte);
      if (value < 0) {
        throw new PdfError(
          'format_failure',
          `hex string at offset ${start} contains the non-hex byte 0x${byte.toString(16).padStart(2, '0')} at offset ${this.pos - 1}`,
          { offset: this.pos - 1 },
        );
      }
      digits.push(value);
    }
    throw new PdfError('format_failure', `hex string at offset ${start} is not terminated`, {
      offset: start,
    });
  }
}
