import { describe, expect, it } from 'vitest';

import { printable } from '../../monitor/history-text.js';
import type { KpiReport } from '../../monitor/kpi.js';
import { formatKpiCsv } from '../../monitor/kpi-csv.js';
import { formatKpiHtml } from '../../monitor/kpi-html.js';
import { formatKpiTable } from '../../monitor/kpi-table.js';

const HOSTILE = '<script src="http://x.test/a.js"></script>\u001b[2J=cmd|"/c calc"!A1,\r\nnext';

/** Builds a small report whose texts come from a hostile participant. */
function hostileReport(): KpiReport {
  const none = { count: 0, minMs: null, medianMs: null, p90Ms: null, maxMs: null };
  return {
    log: { origin: 'example.test/log', size: 10, rootHash: 'AAAA' },
    window: { from: null, to: null },
    entries: { total: 2, byKind: [{ key: 'exchange.receive', count: 1 }, { key: 'exchange.exception', count: 1 }] },
    exchanges: {
      sent: 0,
      byPair: [],
      deliveries: { delivered: 0, failed: 0 },
      acknowledgements: { positive: 0, warning: 0, negative: 1 },
      purges: { acknowledged: 0, notCollected: 0 },
    },
    latency: { delivery: none, verification: none },
    decisions: { total: 0, accepted: 0, rejected: 0, query: 0, acceptanceRate: null, rejectionRate: null, queryRate: null, byResult: [] },
    rejectionReasons: { checks: [], negativeAcknowledgements: [{ key: HOSTILE, count: 1 }, { key: '=SUM(A1:A9)', count: 1 }] },
    exceptions: {
      total: 1,
      byReason: [{ key: 'query', count: 1 }],
      items: [{ index: 5, loggedAt: '2026-12-04T00:00:00.000Z', actor: 'authority:KG', exchangeId: 'x-1', reason: 'query', text: HOSTILE }],
    },
    keyRotations: { total: 0, registrarRotate: 0, registrarRecover: 0, cabkeyRegister: 0, cabkeyRevoke: 0, items: [] },
    registryChanges: { total: 0, byKind: [] },
  };
}

describe('KPI formats with hostile texts', () => {
  it('html escapes every log text', () => {
    const html = formatKpiHtml(hostileReport());
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/\ssrc="/);
    expect(html).toContain('&#60;script');
    expect(html).toContain("default-src 'none'");
  });

  it('csv quotes fields and defuses formulas', () => {
    const csv = formatKpiCsv(hostileReport());
    const exception = csv.split('\r\n').find((line) => line.startsWith('exception,'))!;
    expect(exception.startsWith('exception,5 x-1 query,"<script src=""http')).toBe(true);
    expect(csv).toContain("negative_acknowledgements,'=SUM(A1:A9),1\r\n");
    expect(csv).not.toMatch(/(^|,)=/m);
  });

  it('table replaces control characters', () => {
    const table = formatKpiTable(hostileReport());
    expect(table).not.toContain('\u001b');
    expect(table).toContain('\\u001b[2J');
    expect(printable('a\nb')).toBe('a\\u000ab');
  });
});
