import { writeFileSync } from 'node:fs';

import { ReportError } from '../../monitor/history-errors.js';
import { computeKpi, type KpiReport } from '../../monitor/kpi.js';
import { formatKpiCsv } from '../../monitor/kpi-csv.js';
import { formatKpiHtml } from '../../monitor/kpi-html.js';
import { formatKpiJson } from '../../monitor/kpi-json.js';
import { parseTimeWindow, type TimeWindow } from '../../monitor/kpi-range.js';
import { formatKpiTable } from '../../monitor/kpi-table.js';
import { UsageError } from '../errors.js';
import { readLogSource, type LogSourceOptions } from './history-run.js';
import type { KpiFormat } from './kpi.js';

const FORMATTERS: Record<KpiFormat, (report: KpiReport) => string> = {
  table: formatKpiTable,
  json: formatKpiJson,
  csv: formatKpiCsv,
  html: formatKpiHtml,
};

export interface KpiOptions extends LogSourceOptions {
  from?: string;
  to?: string;
  format: KpiFormat;
  output?: string;
}

export async function runKpi(options: KpiOptions): Promise<void> {
  const window = readWindow(options);
  const source = await readLogSource(options);
  if (source.kind !== 'log') {
    throw new UsageError(`receipt ${options.receipt} carries no log; write it with ecert receipt --with-log`);
  }
  const { log } = source;
  const report = computeKpi({ checkpoint: log.checkpoint, envelopes: log.envelopes, state: log.view.state }, window);
  const text = FORMATTERS[options.format](report);
  if (options.output === undefined) {
    process.stdout.write(text);
    return;
  }
  writeFileSync(options.output, text);
  process.stdout.write(`wrote ${options.output}: ${options.format} KPI report over ${report.entries.total} entries\n`);
}

function readWindow(options: KpiOptions): TimeWindow {
  try {
    return parseTimeWindow(options.from, options.to);
  } catch (error) {
    if (error instanceof ReportError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}
