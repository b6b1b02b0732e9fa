import { describe, expect, it } from 'vitest';

import { latencyStats, percentile } from '../../monitor/kpi-stats.js';

describe('latencyStats', () => {
  it('takes the mean of the middle values for an even count', () => {
    expect(latencyStats([40, 10, 30, 20]).medianMs).toBe(25);
  });

  it('interpolates p90 between ranks', () => {
    // Rank 0.9 × 9 = 8.1 lies between 90 and 100.
    expect(latencyStats([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]).p90Ms).toBeCloseTo(91, 10);
  });

  it('gives one value for every statistic of one duration', () => {
    expect(latencyStats([7])).toEqual({ count: 1, minMs: 7, medianMs: 7, p90Ms: 7, maxMs: 7 });
  });

  it('gives nulls for no durations', () => {
    expect(latencyStats([])).toEqual({ count: 0, minMs: null, medianMs: null, p90Ms: null, maxMs: null });
    expect(percentile([], 50)).toBeNull();
  });
});
