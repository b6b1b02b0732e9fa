/**
 * One-line descriptions of timeline entries, and the per-exchange summary of who sent, who
 * received, when and through what channel.
 */
import type { ExchangeStatus } from '../registry/exchange-view.js';
import type { LoggedEnvelope } from '../registry/envelope.js';
import type { BodyOfKind } from '../registry/kinds/index.js';
import type { TimelineStep } from './history.js';

/** The outcome of one exchange, read from its steps in log order. */
export interface ExchangeSummary {
  exchangeId: string;
  from: string;
  to: string;
  channel: string;
  /** Actor that signed the `exchange.send`. */
  sender: string;
  sentAt: string;
  /** Latest `exchange.deliver` outcome, or null before the hub logged one. */
  delivery: { status: string; attempts: number; at: string } | null;
  /** Actor that signed the latest `exchange.receive`, with its acknowledgement. */
  receipt: { receiver: string; acknowledgement: string; reason: string | null; at: string } | null;
  /** Every `verification.record`, in log order. */
  verifications: { actor: string; result: string; decision: string; at: string }[];
  exceptions: { actor: string; reason: string; text: string; at: string }[];
  purge: { reason: string; at: string } | null;
  /** Transport status by the rules of registry/exchange-view.ts: pending, delivered, failed, acknowledged or withdrawn. */
  status: ExchangeStatus;
}

/** Describes an entry for a timeline line: who did what, without the timestamp or index. */
export function describeStep(envelope: LoggedEnvelope): string {
  switch (envelope.kind) {
    case 'document.register': {
      const body = envelope.body as BodyOfKind['document.register'];
      return `registered ${body.type} ${body.number} issued by ${body.issuer}`;
    }
    case 'exchange.send': {
      const body = envelope.body as BodyOfKind['exchange.send'];
      return `sent exchange ${body.exchangeId} ${body.from} -> ${body.to} through ${body.channel}`;
    }
    case 'exchange.deliver': {
      const body = envelope.body as BodyOfKind['exchange.deliver'];
      return `delivery ${body.status} after ${body.attempts} attempt${body.attempts === 1 ? '' : 's'}`;
    }
    case 'exchange.receive': {
      const body = envelope.body as BodyOfKind['exchange.receive'];
      return `acknowledged ${body.acknowledgement}${body.reason === undefined ? '' : `: ${body.reason}`}`;
    }
    case 'exchange.purge':
      return `purged the PDF (${(envelope.body as BodyOfKind['exchange.purge']).reason})`;
    case 'exchange.exception': {
      const body = envelope.body as BodyOfKind['exchange.exception'];
      return `raised exception ${body.reason}: ${body.text}`;
    }
    case 'verification.record': {
      const body = envelope.body as BodyOfKind['verification.record'];
      const notPassed = body.checks.filter((check) => check.indication !== 'PASSED').map(checkLabel);
      return `verified ${body.result}, decision ${body.decision}${notPassed.length === 0 ? '' : ` (${notPassed.join(', ')})`}`;
    }
    default:
      return envelope.kind;
  }
}

/** Formats a check result as `id=INDICATION/SUB_INDICATION`, the form the pilot summary uses. */
export function checkLabel(check: { id: string; indication: string; subIndication?: string }): string {
  return `${check.id}=${check.indication}${check.subIndication === undefined ? '' : `/${check.subIndication}`}`;
}

/** Summarizes every exchange whose `exchange.send` is among the steps, in the order sent. */
export function summarizeExchanges(steps: readonly TimelineStep[]): ExchangeSummary[] {
  const byId = new Map<string, ExchangeSummary>();
  for (const step of steps) {
    const { envelope } = step;
    if (envelope.kind === 'exchange.send') {
      const body = envelope.body as BodyOfKind['exchange.send'];
      byId.set(body.exchangeId, {
        exchangeId: body.exchangeId,
        from: body.from,
        to: body.to,
        channel: body.channel,
        sender: envelope.actor,
        sentAt: step.loggedAt,
        delivery: null,
        receipt: null,
        verifications: [],
        exceptions: [],
        purge: null,
        status: 'pending',
      });
      continue;
    }
    const summary = step.exchangeId === undefined ? undefined : byId.get(step.exchangeId);
    if (summary !== undefined) addStep(summary, step);
  }
  return [...byId.values()];
}

function addStep(summary: ExchangeSummary, step: TimelineStep): void {
  const { envelope, loggedAt: at } = step;
  switch (envelope.kind) {
    case 'exchange.deliver': {
      const body = envelope.body as BodyOfKind['exchange.deliver'];
      summary.delivery = { status: body.status, attempts: body.attempts, at };
      if (summary.status === 'pending' || summary.status === 'failed') summary.status = body.status;
      break;
    }
    case 'exchange.receive': {
      const body = envelope.body as BodyOfKind['exchange.receive'];
      summary.receipt = { receiver: envelope.actor, acknowledgement: body.acknowledgement, reason: body.reason ?? null, at };
      summary.status = 'acknowledged';
      break;
    }
    case 'verification.record': {
      const body = envelope.body as BodyOfKind['verification.record'];
      summary.verifications.push({ actor: envelope.actor, result: body.result, decision: body.decision, at });
      break;
    }
    case 'exchange.exception': {
      const body = envelope.body as BodyOfKind['exchange.exception'];
      summary.exceptions.push({ actor: envelope.actor, reason: body.reason, text: body.text, at });
      if (body.reason === 'withdrawn') summary.status = 'withdrawn';
      break;
    }
    case 'exchange.purge':
      summary.purge = { reason: (envelope.body as BodyOfKind['exchange.purge']).reason, at };
      break;
    default:
      break;
  }
}
