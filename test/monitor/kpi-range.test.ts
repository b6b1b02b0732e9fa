import { describe, expect, it } from 'vitest';

import { inWindow, parseTimeWindow } from '../../monitor/kpi-range.js';

describe('parseTimeWindow', () => {
  it('takes a date as the whole UTC day', () => {
    expect(parseTimeWindow('2026-12-04', '2026-12-04')).toEqual({
      from: Date.UTC(2026, 11, 4),
      to: Date.UTC(2026, 11, 5) - 1,
    });
  });

  it('takes an RFC 3339 time with an offset as one instant', () => {
    expect(parseTimeWindow('2026-12-04T10:15:00.250+02:00').from).toBe(Date.UTC(2026, 11, 4, 8, 15, 0, 250));
  });

  it('rounds a finer fraction inward', () => {
    const window = parseTimeWindow('2026-12-04T00:00:00.0001Z', '2026-12-04T00:00:00.0009Z');
    expect(window.from).toBe(Date.UTC(2026, 11, 4) + 1);
    expect(window.to).toBe(Date.UTC(2026, 11, 4));
  });

  it('leaves absent bounds open', () => {
    expect(parseTimeWindow()).toEqual({});
    expect(inWindow({}, 0)).toBe(true);
  });

  it('includes both bounds', () => {
    const window = parseTimeWindow('2026-12-04', '2026-12-04');
    expect(inWindow(window, window.from!)).toBe(true);
    expect(inWindow(window, window.to!)).toBe(true);
    expect(inWindow(window, window.to! + 1)).toBe(false);
    expect(inWindow(window, window.from! - 1)).toBe(false);
  });

  it.each([
    ['2026-02-30', 'no such day'],
    ['2026-13-01', 'no such month'],
    ['04.12.2026', 'another format'],
    ['2026-12-04T24:00:00Z', 'hour 24'],
    ['2026-12-04T23:59:60Z', 'a leap second'],
    ['2026-12-04T10:00:00', 'no offset'],
    ['2026-12-04T10:00:00+25:00', 'offset out of range'],
    ['1969-12-31', 'before 1970'],
    ['x'.repeat(100), 'too long'],
  ])('rejects %s (%s)', (text) => {
    expect(() => parseTimeWindow(text)).toThrow(expect.objectContaining({ code: 'invalid_date' }));
  });

  it('rejects --from after --to', () => {
    expect(() => parseTimeWindow('2026-12-05', '2026-12-04')).toThrow(expect.objectContaining({ code: 'invalid_range' }));
  });
});
