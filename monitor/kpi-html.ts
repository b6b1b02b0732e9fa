/**
 * The HTML rendering of a KPI report, `ecert kpi --format html`: one self-contained file with
 * inline CSS and inline SVG charts. It loads nothing: no script, no external URL, and a
 * Content-Security-Policy of `default-src 'none'` so that a browser would refuse any load.
 * Every text from the log is escaped, because log participants write reasons and exception texts.
 */
import type { CountRow, KpiReport } from './kpi.js';
import type { LatencyStats } from './kpi-stats.js';
import { barChart, escapeHtml, type Bar } from './kpi-svg.js';
import { formatDuration, formatRate } from './kpi-units.js';

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1b1f24;max-width:64em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d0d7de;padding:.2em .6em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font:12px system-ui,sans-serif;fill:#1b1f24}svg .bar{fill:#3b6fb6}
.summary{display:flex;flex-wrap:wrap;gap:1em}.summary div{border:1px solid #d0d7de;padding:.5em 1em;border-radius:4px}
.summary b{display:block;font-size:1.4em}.empty,.meta{color:#57606a}
`;

type Cell = string | number;

function tableHtml(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  if (rows.length === 0) return '<p class="empty">none</p>';
  const head = `<tr>${header.map((name) => `<th>${escapeHtml(name)}</th>`).join('')}</tr>`;
  const body = rows
    .map((row) => `<tr>${row.map((cell) => (typeof cell === 'number' ? `<td class="n">${cell}</td>` : `<td>${escapeHtml(cell)}</td>`)).join('')}</tr>`)
    .join('');
  return `<table>${head}${body}</table>`;
}

function countBars(rows: readonly CountRow[]): Bar[] {
  return rows.map((row) => ({ label: row.key, value: row.count, display: String(row.count) }));
}

function latencyBars(name: string, stats: LatencyStats): Bar[] {
  return (['medianMs', 'p90Ms', 'maxMs'] as const).map((field) => ({
    label: `${name} ${field.replace('Ms', '')}`,
    value: stats[field] ?? 0,
    display: formatDuration(stats[field]),
  }));
}

function tile(label: string, value: string): string {
  return `<div><b>${escapeHtml(value)}</b>${escapeHtml(label)}</div>`;
}

/** Formats the report as one self-contained HTML document. */
export function formatKpiHtml(report: KpiReport): string {
  const { exchanges, decisions, latency, keyRotations } = report;
  const window = `${report.window.from ?? 'start of the log'} to ${report.window.to ?? 'the checkpoint'}`;
  const sections = [
    `<h1>Exchange KPI report</h1>`,
    `<p class="meta">Log ${escapeHtml(report.log.origin)}, size ${report.log.size}, root ${escapeHtml(report.log.rootHash)}. ` +
      `Window ${escapeHtml(window)} (log times, inclusive); ${report.entries.total} entries. Computed from the verified log alone.</p>`,
    `<div class="summary">${[
      tile('exchanges sent', String(exchanges.sent)),
      tile('median delivery latency', formatDuration(latency.delivery.medianMs)),
      tile('median verification latency', formatDuration(latency.verification.medianMs)),
      tile('acceptance rate', formatRate(decisions.acceptanceRate)),
      tile('rejection rate', formatRate(decisions.rejectionRate)),
      tile('exceptions', String(report.exceptions.total)),
      tile('key rotations', String(keyRotations.total)),
      tile('registry changes', String(report.registryChanges.total)),
    ].join('')}</div>`,
    `<h2>Exchanges per country pair</h2>`,
    barChart('exchanges per country pair', exchanges.byPair.map((pair) => ({ label: `${pair.from} → ${pair.to}`, value: pair.count, display: String(pair.count) }))),
    tableHtml(
      ['outcome', 'count'],
      [
        ['delivered', exchanges.deliveries.delivered],
        ['delivery failed', exchanges.deliveries.failed],
        ['acknowledged positive', exchanges.acknowledgements.positive],
        ['acknowledged with warning', exchanges.acknowledgements.warning],
        ['acknowledged negative', exchanges.acknowledgements.negative],
        ['purged after acknowledgement', exchanges.purges.acknowledged],
        ['purged, not collected', exchanges.purges.notCollected],
      ],
    ),
    `<h2>Latency from exchange.send</h2>`,
    barChart('latency', [...latencyBars('delivery', latency.delivery), ...latencyBars('verification', latency.verification)]),
    tableHtml(
      ['latency to', 'count', 'min', 'median', 'p90', 'max'],
      (
        [
          ['exchange.deliver (delivered)', latency.delivery],
          ['verification.record', latency.verification],
        ] as const
      ).map(([name, stats]) => [name, stats.count, formatDuration(stats.minMs), formatDuration(stats.medianMs), formatDuration(stats.p90Ms), formatDuration(stats.maxMs)]),
    ),
    `<h2>Decisions</h2>`,
    barChart('decisions', [
      { label: 'accepted', value: decisions.accepted, display: `${decisions.accepted} (${formatRate(decisions.acceptanceRate)})` },
      { label: 'rejected', value: decisions.rejected, display: `${decisions.rejected} (${formatRate(decisions.rejectionRate)})` },
      { label: 'query', value: decisions.query, display: `${decisions.query} (${formatRate(decisions.queryRate)})` },
    ]),
    tableHtml(['result', 'count'], decisions.byResult.map((row) => [row.key, row.count])),
    `<h2>Rejection reasons</h2>`,
    `<p class="meta">Checks not PASSED in rejected verification records.</p>`,
    barChart('rejection reasons', countBars(report.rejectionReasons.checks)),
    `<p class="meta">Reasons of negative acknowledgements.</p>`,
    tableHtml(['reason', 'count'], report.rejectionReasons.negativeAcknowledgements.map((row) => [row.key, row.count])),
    `<h2>Exceptions (${report.exceptions.total})</h2>`,
    tableHtml(['index', 'logged at', 'by', 'exchange', 'reason', 'text'], report.exceptions.items.map((item) => [item.index, item.loggedAt, item.actor, item.exchangeId, item.reason, item.text])),
    `<h2>Key rotations (${keyRotations.total})</h2>`,
    barChart('key rotations', [
      { label: 'registrar.rotate', value: keyRotations.registrarRotate, display: String(keyRotations.registrarRotate) },
      { label: 'registrar.recover (effective)', value: keyRotations.registrarRecover, display: String(keyRotations.registrarRecover) },
      { label: 'cabkey.register', value: keyRotations.cabkeyRegister, display: String(keyRotations.cabkeyRegister) },
      { label: 'cabkey.revoke', value: keyRotations.cabkeyRevoke, display: String(keyRotations.cabkeyRevoke) },
    ]),
    tableHtml(['index', 'logged at', 'kind', 'subject'], keyRotations.items.map((item) => [item.index, item.loggedAt, item.kind, item.subject])),
    `<h2>Registry changes by kind (${report.registryChanges.total})</h2>`,
    barChart('registry changes by kind', countBars(report.registryChanges.byKind)),
    `<h2>Entries by kind (${report.entries.total})</h2>`,
    barChart('entries by kind', countBars(report.entries.byKind)),
  ];
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` +
    `<title>KPI report: ${escapeHtml(report.log.origin)}</title><style>${STYLE}</style></head>\n<body>\n` +
    `${sections.join('\n')}\n</body></html>\n`
  );
}
