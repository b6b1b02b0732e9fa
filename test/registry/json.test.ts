import { describe, expect, it } from 'vitest';

import { RuleError } from '../../registry/errors.js';
import { parseStrictJson } from '../../registry/json.js';

function codeOf(input: string | Uint8Array, limits = {}): string {
  try {
    parseStrictJson(input, limits);
    return 'accepted';
  } catch (error) {
    if (error instanceof RuleError) return error.code;
    throw error;
  }
}

describe('parseStrictJson', () => {
  it('parses objects, arrays, strings and safe integers', () => {
    expect(parseStrictJson('{"a":[1,-2,"x\\u00e9",true,null],"b":{}}')).toEqual({ a: [1, -2, 'xé', true, null], b: {} });
  });

  it('accepts 2^53 - 1 and rejects 2^53 and beyond', () => {
    expect(parseStrictJson('9007199254740991')).toBe(9007199254740991);
    expect(codeOf('9007199254740992')).toBe('unsafe_integer');
    expect(codeOf('{"n":-9007199254740993}')).toBe('unsafe_integer');
  });

  it('names the offending integer token', () => {
    try {
      parseStrictJson('{"loggedAt": 123456789012345678901}');
      expect.unreachable();
    } catch (error) {
      expect((error as RuleError).evidence.token).toBe('123456789012345678901');
      expect((error as RuleError).evidence.offset).toBe(13);
    }
  });

  it('rejects fractions and exponents', () => {
    expect(codeOf('1.0')).toBe('non_integer_number');
    expect(codeOf('1e3')).toBe('non_integer_number');
    expect(codeOf('[2E-1]')).toBe('non_integer_number');
  });

  it('rejects duplicate keys', () => {
    expect(codeOf('{"a":1,"a":2}')).toBe('duplicate_key');
  });

  it('keeps a __proto__ key as a plain property', () => {
    const value = parseStrictJson('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__']);
  });

  it('rejects malformed JSON', () => {
    for (const text of ['', '{', '{"a":1,}', '[1 2]', "{'a':1}", '01', '"\u0001"', 'nul', '1 2', '"\\x"']) {
      expect(codeOf(text), text).toBe('invalid_json');
    }
  });

  it('rejects unpaired surrogates', () => {
    expect(codeOf('"\\ud800"')).toBe('invalid_json');
    expect(parseStrictJson('"\\ud83d\\ude00"')).toBe('😀');
  });

  it('rejects invalid UTF-8 bytes', () => {
    expect(codeOf(new Uint8Array([0x22, 0xff, 0x22]))).toBe('invalid_utf8');
  });

  it('enforces size and depth bounds', () => {
    expect(codeOf('[1,2,3]', { maxBytes: 5 })).toBe('json_too_large');
    expect(codeOf('[[[1]]]', { maxDepth: 2 })).toBe('json_too_deep');
    expect(parseStrictJson('[[1]]', { maxDepth: 2 })).toEqual([[1]]);
  });
});
