/** The JSON rendering of a KPI report, `ecert kpi --format json`: the report object itself. */
import type { KpiReport } from './kpi.js';

/** Formats the report as indented JSON; durations are in milliseconds and rates from 0 to 1. */
export function formatKpiJson(report: KpiReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
