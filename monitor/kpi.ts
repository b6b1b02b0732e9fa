/**
 * Key performance indicators of the exchange, computed from a verified log alone (`ecert kpi`).
 *
 * Definitions (also in the command's help):
 * - Every count is over entries whose log time (`loggedAt`) falls in the window, bounds inclusive.
 * - Delivery latency: `loggedAt` of an `exchange.deliver` with status `delivered` minus that of
 *   its exchange's `exchange.send`. Verification latency: `loggedAt` of a `verification.record`
 *   minus that of its `exchange.send`, so it spans sending, delivery, download and the six
 *   checks. A latency belongs to the window of its later entry; its `exchange.send` may be older.
 * - Acceptance, rejection and query rates: `verification.record` decisions of each kind divided
 *   by all decisions; null when there are none.
 * - Rejection reasons: every check not PASSED in a rejected `verification.record`, as
 *   `id=INDICATION/SUB_INDICATION`, and the reasons of negative `exchange.receive`
 *   acknowledgements.
 * - Key rotations: `registrar.rotate`, recoveries that took effect (the `registrar.approve` that
 *   reached the quorum of a `registrar.recover`, at that approval's time), `cabkey.register` and
 *   `cabkey.revoke`.
 * - Registry changes: every entry of the registry kinds (actors, registrars, witnesses, CAs,
 *   CABs, accreditations, CAB keys), counted by kind.
 */
import type { Checkpoint } from '../ledger/checkpoint.js';
import { encodeBase64 } from '../ledger/note.js';
import type { LoggedEnvelope } from '../registry/envelope.js';
import { formatUtcTime } from '../registry/formats.js';
import type { BodyOfKind, Kind } from '../registry/kinds/index.js';
import type { RegistryState } from '../registry/state.js';
import { checkLabel } from './history-steps.js';
import { inWindow, type TimeWindow } from './kpi-range.js';
import { latencyStats, type LatencyStats } from './kpi-stats.js';

/** A label and how many entries carry it. */
export interface CountRow {
  key: string;
  count: number;
}

/** A key rotation as logged: what changed and whose key it is. */
export interface RotationItem {
  index: number;
  loggedAt: string;
  kind: 'registrar.rotate' | 'registrar.recover' | 'cabkey.register' | 'cabkey.revoke';
  /** The registrar actor, or the CAB code whose key was registered or revoked. */
  subject: string;
}

export interface ExceptionItem {
  index: number;
  loggedAt: string;
  actor: string;
  exchangeId: string;
  reason: string;
  text: string;
}

export interface KpiReport {
  log: { origin: string; size: number; rootHash: string };
  window: { from: string | null; to: string | null };
  entries: { total: number; byKind: CountRow[] };
  exchanges: {
    sent: number;
    byPair: { from: string; to: string; count: number }[];
    deliveries: { delivered: number; failed: number };
    acknowledgements: { positive: number; warning: number; negative: number };
    purges: { acknowledged: number; notCollected: number };
  };
  latency: { delivery: LatencyStats; verification: LatencyStats };
  decisions: {
    total: number;
    accepted: number;
    rejected: number;
    query: number;
    acceptanceRate: number | null;
    rejectionRate: number | null;
    queryRate: number | null;
    byResult: CountRow[];
  };
  rejectionReasons: { checks: CountRow[]; negativeAcknowledgements: CountRow[] };
  exceptions: { total: number; byReason: CountRow[]; items: ExceptionItem[] };
  keyRotations: {
    total: number;
    registrarRotate: number;
    registrarRecover: number;
    cabkeyRegister: number;
    cabkeyRevoke: number;
    items: RotationItem[];
  };
  registryChanges: { total: number; byKind: CountRow[] };
}

/** The entry kinds that change the registry rather than record an exchange. */
export const REGISTRY_KINDS: readonly Kind[] = [
  'actor.register',
  'actor.revoke',
  'registrar.rotate',
  'registrar.recover',
  'registrar.approve',
  'witness.add',
  'witness.remove',
  'ca.register',
  'ca.revoke',
  'cab.register',
  'cab.update',
  'cab.recode',
  'accreditation.set',
  'cabkey.register',
  'cabkey.revoke',
];

/** The input of {@link computeKpi}: a log that verified against its checkpoint. */
export interface KpiInput {
  checkpoint: Checkpoint;
  /** Every entry of the log from index 0, decoded; the state replayed from the same entries. */
  envelopes: readonly LoggedEnvelope[];
  state: RegistryState;
}

/** Accumulates the report while the entries are read once, in log order. */
class Tally {
  readonly byKind = new Counter();
  readonly pairs = new Counter();
  readonly results = new Counter();
  readonly checkReasons = new Counter();
  readonly negativeReasons = new Counter();
  readonly exceptionReasons = new Counter();
  readonly registryKinds = new Counter();
  readonly sendTimes = new Map<string, number>();
  readonly deliveryMs: number[] = [];
  readonly verificationMs: number[] = [];
  readonly exceptions: ExceptionItem[] = [];
  readonly rotations: RotationItem[] = [];
  readonly deliveries = { delivered: 0, failed: 0 };
  readonly acknowledgements = { positive: 0, warning: 0, negative: 0 };
  readonly purges = { acknowledged: 0, notCollected: 0 };
  readonly decisions = { accepted: 0, rejected: 0, query: 0 };
  entries = 0;
  sent = 0;
}

/**
 * Computes the KPI report of the entries logged in `window` (see the definitions above).
 * Entries before the window are still read, so an exchange sent earlier gives its send time.
 */
export function computeKpi(input: KpiInput, window: TimeWindow): KpiReport {
  const tally = new Tally();
  input.envelopes.forEach((envelope, index) => {
    if (envelope.kind === 'exchange.send') {
      tally.sendTimes.set((envelope.body as BodyOfKind['exchange.send']).exchangeId, envelope.loggedAt);
    }
    if (!inWindow(window, envelope.loggedAt)) return;
    tally.entries++;
    tally.byKind.add(envelope.kind);
    if ((REGISTRY_KINDS as readonly string[]).includes(envelope.kind)) tally.registryKinds.add(envelope.kind);
    countExchangeEntry(tally, envelope, index);
    countRotation(tally, input.state, envelope, index);
  });
  return buildReport(input, window, tally);
}

function countExchangeEntry(tally: Tally, envelope: LoggedEnvelope, index: number): void {
  switch (envelope.kind) {
    case 'exchange.send': {
      const body = envelope.body as BodyOfKind['exchange.send'];
      tally.sent++;
      tally.pairs.add(`${body.from}\n${body.to}`);
      break;
    }
    case 'exchange.deliver': {
      const body = envelope.body as BodyOfKind['exchange.deliver'];
      tally.deliveries[body.status]++;
      if (body.status === 'delivered') pushLatency(tally, tally.deliveryMs, body.exchangeId, envelope.loggedAt);
      break;
    }
    case 'exchange.receive': {
      const body = envelope.body as BodyOfKind['exchange.receive'];
      tally.acknowledgements[body.acknowledgement]++;
      if (body.acknowledgement === 'negative') tally.negativeReasons.add(body.reason ?? '(no reason given)');
      break;
    }
    case 'exchange.purge': {
      const body = envelope.body as BodyOfKind['exchange.purge'];
      if (body.reason === 'acknowledged') tally.purges.acknowledged++;
      else tally.purges.notCollected++;
      break;
    }
    case 'exchange.exception': {
      const body = envelope.body as BodyOfKind['exchange.exception'];
      tally.exceptionReasons.add(body.reason);
      tally.exceptions.push({
        index,
        loggedAt: formatUtcTime(envelope.loggedAt),
        actor: envelope.actor,
        exchangeId: body.exchangeId,
        reason: body.reason,
        text: body.text,
      });
      break;
    }
    case 'verification.record':
      countVerification(tally, envelope as LoggedEnvelope<'verification.record'>);
      break;
    default:
      break;
  }
}

function countVerification(tally: Tally, envelope: LoggedEnvelope<'verification.record'>): void {
  const body = envelope.body;
  tally.decisions[body.decision]++;
  tally.results.add(body.result);
  pushLatency(tally, tally.verificationMs, body.exchangeId, envelope.loggedAt);
  if (body.decision !== 'rejected') return;
  for (const check of body.checks) {
    if (check.indication !== 'PASSED') tally.checkReasons.add(checkLabel(check));
  }
}

function pushLatency(tally: Tally, into: number[], exchangeId: string, loggedAt: number): void {
  // The registry rules require the exchange.send before any other entry of the exchange.
  const sentAt = tally.sendTimes.get(exchangeId);
  if (sentAt !== undefined) into.push(loggedAt - sentAt);
}

function countRotation(tally: Tally, state: RegistryState, envelope: LoggedEnvelope, index: number): void {
  const item = (kind: RotationItem['kind'], subject: string): void => {
    tally.rotations.push({ index, loggedAt: formatUtcTime(envelope.loggedAt), kind, subject });
  };
  switch (envelope.kind) {
    case 'registrar.rotate':
      item('registrar.rotate', envelope.actor);
      break;
    case 'registrar.approve': {
      const body = envelope.body as BodyOfKind['registrar.approve'];
      if (body.requestKind !== 'registrar.recover') break;
      // The approval that reaches the quorum executes the recovery: the request turns done at its index.
      const after = state.requestAt(body.requestIndex, index);
      const before = state.requestAt(body.requestIndex, index - 1);
      if (after?.status === 'done' && before?.status === 'pending') item('registrar.recover', after.requester);
      break;
    }
    case 'cabkey.register':
      item('cabkey.register', (envelope.body as BodyOfKind['cabkey.register']).cabCode);
      break;
    case 'cabkey.revoke': {
      const sha256 = (envelope.body as BodyOfKind['cabkey.revoke']).sha256;
      item('cabkey.revoke', state.certificateAt(sha256, index)?.cabCode ?? sha256);
      break;
    }
    default:
      break;
  }
}

function buildReport(input: KpiInput, window: TimeWindow, tally: Tally): KpiReport {
  const { decisions } = tally;
  const decided = decisions.accepted + decisions.rejected + decisions.query;
  const rate = (count: number): number | null => (decided === 0 ? null : count / decided);
  const rotationsOf = (kind: RotationItem['kind']): number => tally.rotations.filter((item) => item.kind === kind).length;
  return {
    log: { origin: input.checkpoint.origin, size: input.checkpoint.size, rootHash: encodeBase64(input.checkpoint.rootHash) },
    window: {
      from: window.from === undefined ? null : formatUtcTime(window.from),
      to: window.to === undefined ? null : formatUtcTime(window.to),
    },
    entries: { total: tally.entries, byKind: tally.byKind.rows() },
    exchanges: {
      sent: tally.sent,
      byPair: tally.pairs.sortedByKey().map(({ key, count }) => {
        const [from, to] = key.split('\n') as [string, string];
        return { from, to, count };
      }),
      deliveries: tally.deliveries,
      acknowledgements: tally.acknowledgements,
      purges: tally.purges,
    },
    latency: { delivery: latencyStats(tally.deliveryMs), verification: latencyStats(tally.verificationMs) },
    decisions: {
      total: decided,
      ...decisions,
      acceptanceRate: rate(decisions.accepted),
      rejectionRate: rate(decisions.rejected),
      queryRate: rate(decisions.query),
      byResult: tally.results.rows(),
    },
    rejectionReasons: { checks: tally.checkReasons.rows(), negativeAcknowledgements: tally.negativeReasons.rows() },
    exceptions: { total: tally.exceptions.length, byReason: tally.exceptionReasons.rows(), items: tally.exceptions },
    keyRotations: {
      total: tally.rotations.length,
      registrarRotate: rotationsOf('registrar.rotate'),
      registrarRecover: rotationsOf('registrar.recover'),
      cabkeyRegister: rotationsOf('cabkey.register'),
      cabkeyRevoke: rotationsOf('cabkey.revoke'),
      items: tally.rotations,
    },
    registryChanges: { total: tally.registryKinds.total(), byKind: tally.registryKinds.rows() },
  };
}

/** Counts string labels. */
class Counter {
  readonly #counts = new Map<string, number>();

  add(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  total(): number {
    let sum = 0;
    for (const count of this.#counts.values()) sum += count;
    return sum;
  }

  /** Rows by count, highest first, then by key, so the output is deterministic. */
  rows(): CountRow[] {
    return this.sortedByKey().sort((a, b) => b.count - a.count);
  }

  sortedByKey(): CountRow[] {
    const rows = [...this.#counts].map(([key, count]) => ({ key, count }));
    return rows.sort((a, b) => compareText(a.key, b.key));
  }
}

/** Compares by UTF-16 code units, unlike localeCompare, so the order does not depend on the locale. */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
