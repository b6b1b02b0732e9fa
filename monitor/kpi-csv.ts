/**
 * The CSV rendering of a KPI report, `ecert kpi --format csv`: RFC 4180, one metric per row in
 * the columns `section,name,value`, so every section fits one sheet.
 */
import type { CountRow, KpiReport } from './kpi.js';
import type { LatencyStats } from './kpi-stats.js';

type Row = [section: string, name: string, value: string | number | null];

/**
 * Quotes a field per RFC 4180. Text that a spreadsheet would run as a formula (starting with
 * =, +, -, @, tab or CR) gets a leading apostrophe, because reasons and exception texts are
 * written by log participants.
 */
function field(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function countRows(section: string, rows: readonly CountRow[]): Row[] {
  return rows.map((row) => [section, row.key, row.count]);
}

function latencyRows(section: string, stats: LatencyStats): Row[] {
  return [
    [section, 'count', stats.count],
    [section, 'min_ms', stats.minMs],
    [section, 'median_ms', stats.medianMs],
    [section, 'p90_ms', stats.p90Ms],
    [section, 'max_ms', stats.maxMs],
  ];
}

/** Formats the report as CSV with CRLF line ends and a header row; an absent value is an empty field. */
export function formatKpiCsv(report: KpiReport): string {
  const { exchanges, decisions, keyRotations } = report;
  const rows: Row[] = [
    ['log', 'origin', report.log.origin],
    ['log', 'size', report.log.size],
    ['log', 'root_hash', report.log.rootHash],
    ['window', 'from', report.window.from],
    ['window', 'to', report.window.to],
    ['entries', 'total', report.entries.total],
    ...countRows('entries_by_kind', report.entries.byKind),
    ['exchanges', 'sent', exchanges.sent],
    ...exchanges.byPair.map((pair): Row => ['exchanges_by_pair', `${pair.from}->${pair.to}`, pair.count]),
    ['deliveries', 'delivered', exchanges.deliveries.delivered],
    ['deliveries', 'failed', exchanges.deliveries.failed],
    ['acknowledgements', 'positive', exchanges.acknowledgements.positive],
    ['acknowledgements', 'warning', exchanges.acknowledgements.warning],
    ['acknowledgements', 'negative', exchanges.acknowledgements.negative],
    ['purges', 'acknowledged', exchanges.purges.acknowledged],
    ['purges', 'not-collected', exchanges.purges.notCollected],
    ...latencyRows('delivery_latency', report.latency.delivery),
    ...latencyRows('verification_latency', report.latency.verification),
    ['decisions', 'total', decisions.total],
    ['decisions', 'accepted', decisions.accepted],
    ['decisions', 'rejected', decisions.rejected],
    ['decisions', 'query', decisions.query],
    ['decisions', 'acceptance_rate', decisions.acceptanceRate],
    ['decisions', 'rejection_rate', decisions.rejectionRate],
    ['decisions', 'query_rate', decisions.queryRate],
    ...countRows('results', decisions.byResult),
    ...countRows('rejection_checks', report.rejectionReasons.checks),
    ...countRows('negative_acknowledgements', report.rejectionReasons.negativeAcknowledgements),
    ['exceptions', 'total', report.exceptions.total],
    ...countRows('exceptions_by_reason', report.exceptions.byReason),
    ...report.exceptions.items.map((item): Row => ['exception', `${item.index} ${item.exchangeId} ${item.reason}`, item.text]),
    ['key_rotations', 'total', keyRotations.total],
    ['key_rotations', 'registrar.rotate', keyRotations.registrarRotate],
    ['key_rotations', 'registrar.recover', keyRotations.registrarRecover],
    ['key_rotations', 'cabkey.register', keyRotations.cabkeyRegister],
    ['key_rotations', 'cabkey.revoke', keyRotations.cabkeyRevoke],
    ['registry_changes', 'total', report.registryChanges.total],
    ...countRows('registry_changes_by_kind', report.registryChanges.byKind),
  ];
  const lines = [['section', 'name', 'value'], ...rows].map((row) => row.map(field).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
