/** The plain-text rendering of a KPI report, `ecert kpi --format table`. */
import { printable } from './history-text.js';
import type { CountRow, KpiReport } from './kpi.js';
import type { LatencyStats } from './kpi-stats.js';
import { formatDuration, formatRate } from './kpi-units.js';

type Cell = string | number;

/** Renders rows as aligned columns: numbers to the right, text to the left. */
function table(header: readonly string[], rows: readonly (readonly Cell[])[]): string[] {
  const cells = [header, ...rows].map((row) => row.map((cell) => (typeof cell === 'number' ? String(cell) : printable(cell))));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  return cells.map((row, r) =>
    row
      .map((cell, column) => (r > 0 && typeof rows[r - 1]![column] === 'number' ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd()
      .replace(/^/, '  '),
  );
}

function countTable(label: string, rows: readonly CountRow[]): string[] {
  return rows.length === 0 ? ['  (none)'] : table([label, 'count'], rows.map((row) => [row.key, row.count]));
}

function latencyRow(name: string, stats: LatencyStats): Cell[] {
  return [name, stats.count, formatDuration(stats.minMs), formatDuration(stats.medianMs), formatDuration(stats.p90Ms), formatDuration(stats.maxMs)];
}

/** Formats the report as sections of aligned text tables. */
export function formatKpiTable(report: KpiReport): string {
  const { exchanges, decisions, latency, keyRotations } = report;
  const lines = [
    `KPI report of ${printable(report.log.origin)}, log size ${report.log.size}, root ${report.log.rootHash}`,
    `window: ${report.window.from ?? 'start of the log'} to ${report.window.to ?? 'the checkpoint'} (log times, inclusive)`,
    `entries in the window: ${report.entries.total}`,
    '',
    `exchanges sent: ${exchanges.sent}`,
    ...(exchanges.byPair.length === 0 ? ['  (none)'] : table(['from', 'to', 'count'], exchanges.byPair.map((pair) => [pair.from, pair.to, pair.count]))),
    `deliveries: delivered ${exchanges.deliveries.delivered}, failed ${exchanges.deliveries.failed}`,
    `acknowledgements: positive ${exchanges.acknowledgements.positive}, warning ${exchanges.acknowledgements.warning}, negative ${exchanges.acknowledgements.negative}`,
    `purges: acknowledged ${exchanges.purges.acknowledged}, not collected ${exchanges.purges.notCollected}`,
    '',
    'latency from exchange.send',
    ...table(['to', 'count', 'min', 'median', 'p90', 'max'], [latencyRow('delivered', latency.delivery), latencyRow('verification.record', latency.verification)]),
    '',
    `decisions: ${decisions.total}`,
    ...table(
      ['decision', 'count', 'rate'],
      [
        ['accepted', decisions.accepted, formatRate(decisions.acceptanceRate)],
        ['rejected', decisions.rejected, formatRate(decisions.rejectionRate)],
        ['query', decisions.query, formatRate(decisions.queryRate)],
      ],
    ),
    'results:',
    ...countTable('result', decisions.byResult),
    'rejection reasons (checks not PASSED in rejected records):',
    ...countTable('check', report.rejectionReasons.checks),
    'negative acknowledgement reasons:',
    ...countTable('reason', report.rejectionReasons.negativeAcknowledgements),
    '',
    `exceptions: ${report.exceptions.total}`,
    ...(report.exceptions.items.length === 0
      ? []
      : table(['index', 'logged at', 'exchange', 'reason', 'text'], report.exceptions.items.map((item) => [item.index, item.loggedAt, item.exchangeId, item.reason, item.text]))),
    '',
    `key rotations: ${keyRotations.total} (registrar.rotate ${keyRotations.registrarRotate}, registrar.recover effective ${keyRotations.registrarRecover}, cabkey.register ${keyRotations.cabkeyRegister}, cabkey.revoke ${keyRotations.cabkeyRevoke})`,
    ...(keyRotations.items.length === 0
      ? []
      : table(['index', 'logged at', 'kind', 'subject'], keyRotations.items.map((item) => [item.index, item.loggedAt, item.kind, item.subject]))),
    '',
    `registry changes: ${report.registryChanges.total}`,
    ...countTable('kind', report.registryChanges.byKind),
    '',
    'entries by kind:',
    ...countTable('kind', report.entries.byKind),
  ];
  return `${lines.join('\n')}\n`;
}
