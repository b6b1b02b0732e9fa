import { describe, expect, it } from 'vitest';

import { summarizeExchanges } from '../../monitor/history-steps.js';
import type { TimelineStep } from '../../monitor/history.js';
import { exchangeView, type ExchangeStatus } from '../../registry/exchange-view.js';
import type { ExchangeRecord } from '../../registry/records.js';

type Step = [kind: string, body: Record<string, unknown>];

const SEND = { exchangeId: 'x-1', documentSha256: 'a'.repeat(64), from: 'UZ', to: 'KG', channel: 'hub', header: { subject: 'CC 1' } };

/** Builds the same steps as timeline steps and as a registry record, and returns both statuses. */
function statuses(steps: Step[]): { history: ExchangeStatus; view: ExchangeStatus } {
  const timeline = [['exchange.send', SEND] as Step, ...steps].map(([kind, body], index) => ({
    index,
    kind,
    loggedAt: new Date(index * 1000).toISOString(),
    exchangeId: 'x-1',
    envelope: { kind, body, actor: kind === 'exchange.send' ? 'authority:UZ' : 'authority:KG' },
  })) as unknown as TimelineStep[];
  const record = {
    exchangeId: 'x-1',
    sender: 'authority:UZ',
    send: SEND,
    steps: steps.map(([kind, body], position) => ({ kind, body, actor: 'authority:KG', index: position + 1, loggedAt: (position + 1) * 1000 })),
    acknowledged: false,
    purged: false,
    index: 0,
    loggedAt: 0,
  } as unknown as ExchangeRecord;
  return { history: summarizeExchanges(timeline)[0]!.status, view: exchangeView(record).status };
}

describe('exchange status in history', () => {
  const cases: [string, Step[], ExchangeStatus][] = [
    ['sent only', [], 'pending'],
    ['delivered', [['exchange.deliver', { exchangeId: 'x-1', status: 'delivered', attempts: 1 }]], 'delivered'],
    ['failed', [['exchange.deliver', { exchangeId: 'x-1', status: 'failed', attempts: 5 }]], 'failed'],
    [
      'failed then pulled',
      [
        ['exchange.deliver', { exchangeId: 'x-1', status: 'failed', attempts: 5 }],
        ['exchange.deliver', { exchangeId: 'x-1', status: 'delivered', attempts: 1 }],
      ],
      'delivered',
    ],
    [
      'acknowledged',
      [
        ['exchange.deliver', { exchangeId: 'x-1', status: 'delivered', attempts: 1 }],
        ['exchange.receive', { exchangeId: 'x-1', acknowledgement: 'negative', reason: 'x' }],
      ],
      'acknowledged',
    ],
    ['withdrawn', [['exchange.exception', { exchangeId: 'x-1', reason: 'withdrawn', text: 'error' }]], 'withdrawn'],
    ['queried', [['exchange.exception', { exchangeId: 'x-1', reason: 'query', text: 'annex?' }]], 'pending'],
  ];
  for (const [name, steps, expected] of cases) {
    it(`${name} agrees with the exchange view`, () => {
      const { history, view } = statuses(steps);
      expect(history).toBe(expected);
      expect(view).toBe(expected);
    });
  }
});
