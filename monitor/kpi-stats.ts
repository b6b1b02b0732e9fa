/** Summary statistics of latencies. */

/** Count, extremes, median and 90th percentile of a set of durations in milliseconds. */
export interface LatencyStats {
  count: number;
  minMs: number | null;
  medianMs: number | null;
  p90Ms: number | null;
  maxMs: number | null;
}

/**
 * Returns the p-th percentile (0 to 100) of sorted values by linear interpolation between the
 * closest ranks: rank p/100 × (n − 1), counted from 0. This is method 7 of Hyndman and Fan, the
 * default of R, NumPy and spreadsheet PERCENTILE.INC, so the median of an even count is the mean
 * of the two middle values. Returns null for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** Summarizes durations in milliseconds; every statistic is null when there are none. */
export function latencyStats(durations: readonly number[]): LatencyStats {
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    count: sorted.length,
    minMs: sorted[0] ?? null,
    medianMs: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    maxMs: sorted[sorted.length - 1] ?? null,
  };
}
