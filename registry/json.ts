import { RuleError } from './errors.js';

/** Bounds for {@link parseStrictJson}. */
export interface JsonLimits {
  /** Maximum input size in bytes (UTF-8). */
  maxBytes?: number;
  /** Maximum nesting of arrays and objects; the top-level value is depth 1. */
  maxDepth?: number;
}

/** Default input bound: one leaf is at most 65,535 bytes, and a submission is smaller. */
export const DEFAULT_MAX_JSON_BYTES = 65_536;
export const DEFAULT_MAX_JSON_DEPTH = 16;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses JSON text (a string or UTF-8 bytes) strictly for the ledger's records.
 *
 * Every number must be an integer written without fraction or exponent, within
 * ±(2^53 - 1): JSON.parse would silently round larger ones, which would change what a
 * signature covers. Also rejected: duplicate object keys, unpaired UTF-16 surrogates
 * (RFC 8785 cannot encode them), a byte order mark, and input beyond the size or depth
 * bounds. The input is attacker-controlled, so errors name the offset and the token.
 *
 * @throws RuleError with code `invalid_json`, `invalid_utf8`, `unsafe_integer`,
 *   `non_integer_number`, `duplicate_key`, `json_too_large` or `json_too_deep`.
 */
export function parseStrictJson(input: string | Uint8Array, limits: JsonLimits = {}): unknown {
  return parseStrictJsonWithForm(input, limits).value;
}

/** A value parsed by {@link parseStrictJsonWithForm}, and whether its text was canonical. */
export interface ParsedJson {
  value: unknown;
  /**
   * Whether the text is exactly the RFC 8785 canonical JSON of `value`: no whitespace, object
   * members in UTF-16 code unit order, and every string and number in the form RFC 8785 writes.
   */
  isCanonical: boolean;
}

/**
 * Parses like {@link parseStrictJson} and also notes, in the same pass, whether the text is in
 * RFC 8785 canonical form, so a caller need not serialise the value again to compare.
 * @throws RuleError with the codes of {@link parseStrictJson}; a non-canonical text is no error.
 */
export function parseStrictJsonWithForm(input: string | Uint8Array, limits: JsonLimits = {}): ParsedJson {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > maxBytes) {
    throw new RuleError('json_too_large', `JSON input is ${size} bytes, maximum ${maxBytes}`, {
      size,
      maxBytes,
    });
  }
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = decoder.decode(input);
    } catch (cause) {
      throw new RuleError('invalid_utf8', 'JSON input is not valid UTF-8', {}, { cause });
    }
  }
  const parser = new StrictParser(text, maxDepth);
  const value = parser.parseDocument();
  return { value, isCanonical: parser.isCanonical };
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER_PATTERN = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * The escapes RFC 8785 writes (those of ECMAScript's JSON.stringify): the short ones below, and
 * `\u` with lowercase hex for the other code units under 0x20. `\/` and every other `\u` escape
 * are valid JSON but not canonical.
 */
const CANONICAL_SHORT_ESCAPES = new Set(['"', '\\', 'b', 'f', 'n', 'r', 't']);
const CANONICAL_U_ESCAPE = /^00[01][0-9a-f]$/;
/** Backspace, tab, line feed, form feed and carriage return, which RFC 8785 writes as `\b` and so on. */
const SHORT_ESCAPED_CODES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

/**
 * Recursive-descent parser for RFC 8259 JSON; recursion is bounded by `maxDepth`. It clears
 * `isCanonical` at the first spelling that RFC 8785 would write differently.
 */
class StrictParser {
  private pos = 0;
  isCanonical = true;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  parseDocument(): unknown {
    this.skipWhitespace();
    const value = this.parseValue(1);
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('unexpected data after the JSON value');
    return value;
  }

  private parseValue(depth: number): unknown {
    const ch = this.text[this.pos];
    if (ch === '{' || ch === '[') {
      if (depth > this.maxDepth) {
        throw new RuleError('json_too_deep', `JSON nesting exceeds ${this.maxDepth} levels`, {
          offset: this.pos,
          maxDepth: this.maxDepth,
        });
      }
      return ch === '{' ? this.parseObject(depth) : this.parseArray(depth);
    }
    if (ch === '"') return this.parseString();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.parseNumber();
    if (this.text.startsWith('true', this.pos)) return this.literal(4, true);
    if (this.text.startsWith('false', this.pos)) return this.literal(5, false);
    if (this.text.startsWith('null', this.pos)) return this.literal(4, null);
    return this.fail(ch === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(ch)}`);
  }

  private literal<T>(length: number, value: T): T {
    this.pos += length;
    return value;
  }

  private parseObject(depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    let previousKey: string | undefined;
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const keyOffset = this.pos;
      const key = this.parseString();
      if (Object.hasOwn(result, key)) {
        throw new RuleError('duplicate_key', `duplicate object key ${JSON.stringify(key)}`, {
          key,
          offset: keyOffset,
        });
      }
      // RFC 8785 §3.2.3 sorts members by their UTF-16 code units, which is how `<` compares strings.
      if (previousKey !== undefined && !(previousKey < key)) this.isCanonical = false;
      previousKey = key;
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail('expected ":" after an object key');
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue(depth + 1);
      if (key === '__proto__') {
        // defineProperty keeps a "__proto__" key an own data property instead of a prototype change.
        Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        result[key] = value;
      }
      this.skipWhitespace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === '}') return result;
      if (next !== ',') this.fail('expected "," or "}" in an object', this.pos - 1);
      this.skipWhitespace();
    }
  }

  private parseArray(depth: number): unknown[] {
    const result: unknown[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === ']') return result;
      if (next !== ',') this.fail('expected "," or "]" in an array', this.pos - 1);
      this.skipWhitespace();
    }
  }

  private parseNumber(): number {
    const start = this.pos;
    NUMBER_PATTERN.lastIndex = start;
    const match = NUMBER_PATTERN.exec(this.text);
    if (match === null) return this.fail('invalid number');
    const token = match[0];
    this.pos = start + token.length;
    if (match[1] !== undefined || match[2] !== undefined) {
      throw new RuleError('non_integer_number', `number ${token} is not an integer; records hold integers only`, {
        token,
        offset: start,
      });
    }
    const value = Number(token);
    // RFC 8785 writes negative zero as 0.
    if (token === '-0') this.isCanonical = false;
    if (!Number.isSafeInteger(value)) {
      throw new RuleError('unsafe_integer', `integer ${token} is beyond ±(2^53 - 1)`, {
        token,
        offset: start,
      });
    }
    return value;
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    let runStart = this.pos;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code)) this.fail('unterminated string', start);
      if (code === 0x22) {
        out += this.text.slice(runStart, this.pos);
        this.pos++;
        break;
      }
      if (code < 0x20) this.fail('unescaped control character in a string');
      if (code === 0x5c) {
        out += this.text.slice(runStart, this.pos);
        out += this.parseEscape();
        runStart = this.pos;
        continue;
      }
      this.pos++;
    }
    if (hasLoneSurrogate(out)) {
      throw new RuleError('invalid_json', `string at offset ${start} contains an unpaired surrogate`, {
        offset: start,
      });
    }
    return out;
  }

  private parseEscape(): string {
    const ch = this.text[this.pos + 1];
    if (ch === undefined) return this.fail('unterminated escape');
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) {
      if (!CANONICAL_SHORT_ESCAPES.has(ch)) this.isCanonical = false;
      this.pos += 2;
      return simple;
    }
    if (ch !== 'u') return this.fail(`invalid escape \\${ch}`);
    const hex = this.text.slice(this.pos + 2, this.pos + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape');
    this.pos += 6;
    const code = Number.parseInt(hex, 16);
    if (!CANONICAL_U_ESCAPE.test(hex) || SHORT_ESCAPED_CODES.has(code)) this.isCanonical = false;
    return String.fromCharCode(code);
  }

  private skipWhitespace(): void {
    const start = this.pos;
    while (WHITESPACE.has(this.text.charCodeAt(this.pos))) this.pos++;
    if (this.pos !== start) this.isCanonical = false;
  }

  private fail(reason: string, offset = this.pos): never {
    throw new RuleError('invalid_json', `invalid JSON at offset ${offset}: ${reason}`, { offset, reason });
  }
}

/** Returns whether a string has a UTF-16 surrogate without its pair (RFC 8785 cannot encode it). */
export function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}
