import type { Logger } from 'pino';

import type { ExchangeView } from '../../registry/exchange-view.js';
import type { ExchangeService } from './service.js';

/** Age after which a stored PDF that no exchange refers to is deleted. */
const ORPHAN_GRACE_MS = 60 * 60 * 1000;

export interface SweepResult {
  purged: { exchangeId: string; reason: 'acknowledged' | 'not-collected'; index: number }[];
  failedDeliveries: string[];
  orphansDeleted: string[];
}

/**
 * The hub is no archive: it purges each PDF the retention time after the receiver's
 * acknowledgement and, acknowledged or not, the collection limit after upload. An exchange never
 * delivered by then first gets a `failed` delivery. Times come from the log and the hub's clock.
 */
export class RetentionSweeper {
  readonly #service: ExchangeService;
  readonly #logger?: Logger;
  #timer?: NodeJS.Timeout;
  #running?: Promise<SweepResult>;

  constructor(service: ExchangeService, logger?: Logger) {
    this.#service = service;
    this.#logger = logger;
  }

  /** Sweeps every `intervalMs` until stopped. */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.#logger?.error({ err: error }, 'retention sweep failed; it runs again at the next interval'));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /** Purges what is due now; one sweep runs at a time. */
  sweep(): Promise<SweepResult> {
    this.#running ??= this.#sweepOnce().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sweepOnce(): Promise<SweepResult> {
    const service = this.#service;
    const result: SweepResult = { purged: [], failedDeliveries: [], orphansDeleted: [] };
    const now = service.hub.now();
    for (const exchange of service.inboxOf()) {
      if (exchange.purged) continue;
      const reason = dueReason(exchange, now, service.retentionMs, service.collectionLimitMs);
      if (reason === undefined) continue;
      if (reason === 'not-collected' && exchange.deliveredIndex === undefined && exchange.status !== 'withdrawn' && exchange.status !== 'failed') {
        await service.recordDelivery(exchange.exchangeId, 'failed', Math.max(1, exchange.attempts));
        result.failedDeliveries.push(exchange.exchangeId);
      }
      const index = await service.purge(exchange.exchangeId, reason);
      result.purged.push({ exchangeId: exchange.exchangeId, reason, index });
    }
    result.orphansDeleted = await service.deleteOrphans(ORPHAN_GRACE_MS);
    if (result.purged.length > 0) this.#logger?.info({ purged: result.purged.length, failed: result.failedDeliveries.length }, 'retention sweep purged PDFs');
    return result;
  }
}

/** Returns the purge reason that is due for an exchange at `now`, if any. */
function dueReason(exchange: ExchangeView, now: number, retentionMs: number, collectionLimitMs: number): 'acknowledged' | 'not-collected' | undefined {
  const acknowledged = exchange.acknowledgedAt !== undefined;
  if (acknowledged && now >= exchange.acknowledgedAt! + retentionMs) return 'acknowledged';
  if (now >= exchange.sentAt + collectionLimitMs) return acknowledged ? 'acknowledged' : 'not-collected';
  return undefined;
}
