import { describe, expect, it } from 'vitest';
import { findDerViolations } from '../../pdf/der-strict.js';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

describe('findDerViolations', () => {
  it('accepts strict DER', () => {
    expect(findDerViolations(hex('300702010002020080'))).toEqual([]);
  });

  it('flags an INTEGER with a superfluous leading zero', () => {
    const violations = findDerViolations(hex('300402020005'));
    expect(violations.map((violation) => violation.message)).toEqual(['INTEGER with a superfluous leading byte']);
    expect(violations[0].offset).toBe(2);
  });

  it('flags an INTEGER with a superfluous leading FF', () => {
    expect(findDerViolations(hex('0202ff80'))).toHaveLength(1);
  });

  it('flags a length in long form where short form fits', () => {
    expect(findDerViolations(hex('30810302010a'))[0].message).toMatch(/shortest form/);
  });

  it('flags an indefinite length', () => {
    expect(findDerViolations(hex('30800201050000'))[0].message).toMatch(/indefinite/);
  });

  it('flags a BOOLEAN other than 00 or FF', () => {
    expect(findDerViolations(hex('010101'))[0].message).toMatch(/BOOLEAN/);
  });

  it('flags trailing bytes and truncation', () => {
    expect(findDerViolations(hex('05000000'))[0].message).toMatch(/follow the outer element/);
    expect(findDerViolations(hex('3005020101'))[0].message).toMatch(/runs past/);
  });
});
