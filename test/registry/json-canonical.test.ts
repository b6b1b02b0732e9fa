/**
 * The canonical-form flag of parseStrictJsonWithForm against the reference it replaces: the
 * `canonicalize` package's serialisation of the parsed value, compared with the input text.
 */
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { RuleError } from '../../registry/errors.js';
import { parseStrictJson, parseStrictJsonWithForm } from '../../registry/json.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Characters where JSON spellings differ: escapes, controls, slash, non-ASCII, surrogate pairs. */
const TRICKY = ['"', '\\', '/', '\b', '\t', '\n', '\f', '\r', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '😀', 'a', 'Z', '_'];

const jsonString = fc.oneof(fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 6 }), fc.string({ maxLength: 6 }));

const jsonValue: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc.constantFrom(0, -1, 10),
    jsonString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(jsonString, fc.constantFrom('a', 'b', 'B', 'é', '__proto__', '1', '10', '2')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/**
 * Writes `value` as valid JSON in a spelling picked by `choices`: canonical or not, with
 * whitespace, shuffled members, escapes of any kind and `-0`.
 */
function spell(value: Json, choices: number[]): string {
  let next = 0;
  const pick = (n: number): number => (choices.length === 0 ? 0 : choices[next++ % choices.length]! % n);
  const space = (): string => ['', '', '', '', ' ', '\n', '\t ', '\r'][pick(8)]!;

  const writeString = (text: string): string => {
    let out = '"';
    for (const ch of text) {
      const code = ch.codePointAt(0)!;
      const style = pick(6);
      if (style === 0 && code <= 0xffff) {
        out += `\\u${code.toString(16).padStart(4, '0')}`;
      } else if (style === 1 && code <= 0xffff) {
        out += `\\u${code.toString(16).padStart(4, '0').toUpperCase()}`;
      } else if (style === 2 && code > 0xffff) {
        out += [...ch.split('')].map((unit) => `\\u${unit.charCodeAt(0).toString(16)}`).join('');
      } else if (style === 3 && ch === '/') {
        out += '\\/';
      } else {
        out += JSON.stringify(ch).slice(1, -1);
      }
    }
    return `${out}"`;
  };

  const write = (item: Json): string => {
    if (typeof item === 'string') return writeString(item);
    if (typeof item === 'number') return item === 0 && pick(4) === 0 ? '-0' : JSON.stringify(item);
    if (item === null || typeof item === 'boolean') return JSON.stringify(item);
    if (Array.isArray(item)) return `[${item.map((member) => space() + write(member) + space()).join(',')}]`;
    const keys = Object.keys(item).sort();
    if (keys.length > 1 && pick(4) === 0) keys.reverse();
    const members = keys.map((key) => `${space()}${writeString(key)}${space()}:${space()}${write(item[key]!)}${space()}`);
    return `{${members.join(',')}}`;
  };

  return space() + write(value) + space();
}

function errorCode(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof RuleError) return error.code;
    throw error;
  }
}

describe('parseStrictJsonWithForm', () => {
  it('when the text is any spelling of a value, isCanonical matches re-serialising it', () => {
    fc.assert(
      fc.property(jsonValue, fc.array(fc.nat(), { maxLength: 64 }), (value, choices) => {
        const text = spell(value, choices);
        const expectedCode = errorCode(() => parseStrictJson(text));
        if (expectedCode !== undefined) {
          expect(errorCode(() => parseStrictJsonWithForm(text))).toBe(expectedCode);
          return;
        }
        const parsed = parseStrictJsonWithForm(text);
        expect(parsed.value).toEqual(parseStrictJson(text));
        expect(parsed.isCanonical).toBe(canonicalize(parsed.value) === text);
      }),
      { numRuns: 3000 },
    );
  });

  it('when the text is canonicalize output, isCanonical is true', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const text = canonicalize(value);
        if (text === undefined || errorCode(() => parseStrictJson(text)) !== undefined) return;
        expect(parseStrictJsonWithForm(text).isCanonical).toBe(true);
        expect(parseStrictJsonWithForm(Buffer.from(text, 'utf8')).isCanonical).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('flags each non-canonical spelling', () => {
    const cases: [string, string][] = [
      ['leading space', ' {"a":1}'],
      ['trailing newline', '{"a":1}\n'],
      ['space after colon', '{"a": 1}'],
      ['space in array', '[1, 2]'],
      ['members out of order', '{"b":1,"a":2}'],
      ['code point order, not UTF-16 order', '{"\uffff":1,"😀":2}'],
      ['negative zero', '[-0]'],
      ['escaped slash', '"\\/"'],
      ['escaped letter', '"\\u0041"'],
      ['uppercase hex escape', '"\\u001F"'],
      ['\\u escape of a short-escaped character', '"\\u000a"'],
      ['escaped surrogate pair', '"\\ud83d\\ude00"'],
      ['escaped DEL', '"\\u007f"'],
    ];
    for (const [name, text] of cases) {
      expect(parseStrictJsonWithForm(text).isCanonical, name).toBe(false);
    }
  });

  it('accepts each canonical spelling', () => {
    const cases: [string, string][] = [
      ['short escapes', '"\\"\\\\\\b\\f\\n\\r\\t"'],
      ['lowercase \\u escape of a control character', '"\\u001f\\u0000"'],
      ['raw non-ASCII and line separator', '"é\u2028😀\u007f/"'],
      ['members in UTF-16 order', '{"1":0,"10":0,"2":0,"B":0,"a":0,"é":0,"😀":0,"\uffff":0}'],
      ['nested empty containers', '{"a":[],"b":{}}'],
      ['negative and zero integers', '[-9007199254740991,0,9007199254740991]'],
    ];
    for (const [name, text] of cases) {
      expect(parseStrictJsonWithForm(text).isCanonical, name).toBe(true);
      expect(canonicalize(parseStrictJson(text)), name).toBe(text);
    }
  });

  it('still rejects a duplicate key that is also out of order', () => {
    expect(errorCode(() => parseStrictJsonWithForm('{"b":1,"a":2,"b":3}'))).toBe('duplicate_key');
  });
});
