import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ApiError } from '../../../api/errors.js';
import { ReplayCache } from '../../../api/http-signature/replay-cache.js';

describe('replay cache', () => {
  it('keeps a key until its expiry, inclusive', () => {
    const cache = new ReplayCache(10);
    expect(cache.add('a', 1000, 0)).toBe(true);
    expect(cache.has('a', 1000)).toBe(true);
    expect(cache.has('a', 1001)).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('a stored key is not added twice', () => {
    const cache = new ReplayCache(10);
    expect(cache.add('a', 1000, 0)).toBe(true);
    expect(cache.add('a', 2000, 10)).toBe(false);
    expect(cache.has('a', 1001)).toBe(false);
  });

  it('full cache raises busy', () => {
    const cache = new ReplayCache(2);
    cache.add('a', 5_000, 0);
    cache.add('b', 2_500, 0);
    let error: unknown;
    try {
      cache.add('c', 9_000, 1_000);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('busy');
    expect((error as ApiError).statusCode).toBe(503);
    expect((error as ApiError).retryAfter).toBe(2);
    expect(cache.has('a', 1_000)).toBe(true);
    expect(cache.has('b', 1_000)).toBe(true);
    expect(cache.add('c', 9_000, 2_501)).toBe(true);
    expect(cache.has('b', 2_501)).toBe(false);
  });

  it('rejects a size that is not a positive integer', () => {
    expect(() => new ReplayCache(0)).toThrow(RangeError);
    expect(() => new ReplayCache(1.5)).toThrow(RangeError);
  });

  it('matches a plain map on any sequence of adds', () => {
    const operation = fc.record({ key: fc.integer({ min: 0, max: 30 }), ttl: fc.integer({ min: 0, max: 100 }), step: fc.integer({ min: 0, max: 20 }) });
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
        const cache = new ReplayCache(1_000);
        const model = new Map<string, number>();
        let now = 0;
        for (const { key, ttl, step } of operations) {
          now += step;
          for (const [stored, expiresAt] of model) if (expiresAt < now) model.delete(stored);
          const name = `k${key}`;
          expect(cache.add(name, now + ttl, now)).toBe(!model.has(name));
          if (!model.has(name)) model.set(name, now + ttl);
          expect(cache.size).toBe(model.size);
        }
      }),
    );
  });
});
