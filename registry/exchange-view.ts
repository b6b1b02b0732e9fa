import type { ExchangeDeliverBody, ExchangeExceptionBody, ExchangePurgeBody, ExchangeReceiveBody, ExchangeSendBody } from './kinds/exchange.js';
import type { ExchangeRecord, ExchangeStep } from './records.js';

/**
 * The transport status of an exchange, derived from its entries alone:
 * - `pending`: sent, with no successful delivery yet;
 * - `delivered`: the hub delivered the PDF and the receiver has not acknowledged it;
 * - `failed`: the hub's last delivery attempt failed and none succeeded;
 * - `acknowledged`: the receiver logged `exchange.receive` (see `acknowledgement`);
 * - `withdrawn`: the sender withdrew it before any acknowledgement.
 */
export type ExchangeStatus = 'pending' | 'delivered' | 'failed' | 'acknowledged' | 'withdrawn';

export interface ExchangeException {
  index: number;
  loggedAt: number;
  actor: string;
  reason: ExchangeExceptionBody['reason'];
  text: string;
}

/** One exchange as the log shows it. */
export interface ExchangeView {
  exchangeId: string;
  from: string;
  to: string;
  sender: string;
  documentSha256: string;
  channel: string;
  header: ExchangeSendBody['header'];
  sentIndex: number;
  sentAt: number;
  status: ExchangeStatus;
  /** Delivery attempts the hub logged, over all its `exchange.deliver` entries. */
  attempts: number;
  /** Index of the first `exchange.deliver` with status `delivered`. */
  deliveredIndex?: number;
  deliveredAt?: number;
  acknowledgement?: ExchangeReceiveBody['acknowledgement'];
  /** The acknowledgement's reason, for `warning` and `negative`. */
  reason?: string;
  acknowledgedIndex?: number;
  acknowledgedAt?: number;
  exceptions: ExchangeException[];
  purged: boolean;
  purgeReason?: ExchangePurgeBody['reason'];
  purgedIndex?: number;
  steps: { index: number; kind: string; actor: string; loggedAt: number }[];
}

/** Folds an exchange record's entries, in log order, into its current view. */
export function exchangeView(record: ExchangeRecord): ExchangeView {
  const view: ExchangeView = {
    exchangeId: record.exchangeId,
    from: record.send.from,
    to: record.send.to,
    sender: record.sender,
    documentSha256: record.send.documentSha256,
    channel: record.send.channel,
    header: record.send.header,
    sentIndex: record.index,
    sentAt: record.loggedAt,
    status: 'pending',
    attempts: 0,
    exceptions: [],
    purged: false,
    steps: [{ index: record.index, kind: 'exchange.send', actor: record.sender, loggedAt: record.loggedAt }],
  };
  for (const step of record.steps) {
    view.steps.push({ index: step.index, kind: step.kind, actor: step.actor, loggedAt: step.loggedAt });
    applyStep(view, step);
  }
  return view;
}

function applyStep(view: ExchangeView, step: ExchangeStep): void {
  switch (step.kind) {
    case 'exchange.deliver': {
      const body = step.body as ExchangeDeliverBody;
      view.attempts += body.attempts;
      if (body.status === 'delivered' && view.deliveredIndex === undefined) {
        view.deliveredIndex = step.index;
        view.deliveredAt = step.loggedAt;
      }
      if (view.status === 'pending' || view.status === 'failed') {
        view.status = view.deliveredIndex === undefined ? 'failed' : 'delivered';
      }
      return;
    }
    case 'exchange.receive': {
      const body = step.body as ExchangeReceiveBody;
      view.status = 'acknowledged';
      view.acknowledgement = body.acknowledgement;
      if (body.reason !== undefined) view.reason = body.reason;
      view.acknowledgedIndex = step.index;
      view.acknowledgedAt = step.loggedAt;
      return;
    }
    case 'exchange.exception': {
      const body = step.body as ExchangeExceptionBody;
      view.exceptions.push({ index: step.index, loggedAt: step.loggedAt, actor: step.actor, reason: body.reason, text: body.text });
      if (body.reason === 'withdrawn') view.status = 'withdrawn';
      return;
    }
    case 'exchange.purge': {
      const body = step.body as ExchangePurgeBody;
      view.purged = true;
      view.purgeReason = body.reason;
      view.purgedIndex = step.index;
      return;
    }
    default:
      // `verification.record` entries belong to the exchange's history but not to its transport status.
      return;
  }
}

/** Tells whether the receiver may still be served the exchange's PDF. */
export function isCollectable(view: ExchangeView): boolean {
  return !view.purged && view.status !== 'withdrawn';
}
