/** Number formats shared by the KPI renderings. */

/** Formats milliseconds as `850 ms`, `12.3 s` or `4.5 min`; `-` for no value. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${Number(ms.toFixed(1))} ms`;
  if (ms < 120_000) return `${Number((ms / 1000).toFixed(2))} s`;
  if (ms < 7_200_000) return `${Number((ms / 60_000).toFixed(1))} min`;
  return `${Number((ms / 3_600_000).toFixed(1))} h`;
}

/** Formats a rate from 0 to 1 as a percentage with one decimal; `-` for no value. */
export function formatRate(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}
