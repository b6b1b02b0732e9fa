import { existsSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { Logger } from 'pino';

import type { PrivateKey } from '../../ledger/note.js';
import type { ExchangeView } from '../../registry/exchange-view.js';
import { actorCountry } from '../../registry/formats.js';
import { ApiError } from '../errors.js';
import { signRequest } from '../http-signature/sign.js';
import type { RequestSigner } from '../http-signature/verify.js';
import type { ExchangeService } from './service.js';

/** A country's push address, set by one of its receivers. */
export interface WebhookEntry {
  url: string;
  setBy: string;
  setAt: number;
}

/**
 * The receivers' push addresses, one per country, in a JSON file written atomically (temporary
 * file, fsync, rename, fsync of the directory). They are hub configuration, not log entries:
 * where a country wants its PDFs pushed proves nothing about an exchange.
 */
export class WebhookRegistry {
  readonly #path: string;
  readonly #entries: Map<string, WebhookEntry>;

  private constructor(path: string, entries: Map<string, WebhookEntry>) {
    this.#path = path;
    this.#entries = entries;
  }

  /** Reads the file at `path`, or starts empty when it does not exist. */
  static load(path: string): WebhookRegistry {
    if (!existsSync(path)) return new WebhookRegistry(path, new Map());
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ApiError(500, 'invalid_webhook_file', `${path} is not valid JSON (${(error as Error).message}); fix or delete it`);
    }
    const entries = new Map<string, WebhookEntry>();
    for (const [country, value] of Object.entries(parsed as Record<string, WebhookEntry>)) {
      if (!/^[A-Z]{2}$/.test(country) || typeof value?.url !== 'string') {
        throw new ApiError(500, 'invalid_webhook_file', `${path} has an invalid entry for ${JSON.stringify(country)}; fix or delete it`);
      }
      entries.set(country, { url: parseWebhookUrl(value.url).href, setBy: String(value.setBy), setAt: Number(value.setAt) });
    }
    return new WebhookRegistry(path, entries);
  }

  get(country: string): WebhookEntry | undefined {
    return this.#entries.get(country);
  }

  /** Returns the signer's country, which only a receiver may configure. */
  requireOwner(signer: RequestSigner): string {
    const country = actorCountry(signer.actor);
    if (country === undefined || !signer.roles.includes('receiver')) {
      throw new ApiError(403, 'not_receiver', `${signer.actor} is not a receiver; only a receiver reads or sets its country's push URL`);
    }
    return country;
  }

  async set(country: string, url: string, setBy: string, now: number): Promise<WebhookEntry> {
    const entry = { url: parseWebhookUrl(url).href, setBy, setAt: now };
    this.#entries.set(country, entry);
    await this.#save();
    return entry;
  }

  async remove(country: string): Promise<void> {
    if (this.#entries.delete(country)) await this.#save();
  }

  async #save(): Promise<void> {
    const temporary = `${this.#path}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(JSON.stringify(Object.fromEntries(this.#entries), null, 2) + '\n');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, this.#path);
    const directory = await open(dirname(this.#path), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }
}

/** Checks a push URL: absolute http or https, without credentials. */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ApiError(400, 'invalid_webhook_url', `${JSON.stringify(text)} is not an absolute URL; give one like https://inbox.example.org/ecert`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ApiError(400, 'invalid_webhook_url', `${text} must use http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ApiError(400, 'invalid_webhook_url', `${url.host}: a push URL must not carry credentials`);
  }
  return url;
}

export interface WebhookPusherOptions {
  service: ExchangeService;
  webhooks: WebhookRegistry;
  /** The operator's key, which signs each push under RFC 9421. */
  operatorKey: PrivateKey;
  /** Attempts before a `failed` delivery is logged (default 5). */
  maxAttempts?: number;
  /** Wait before the second attempt, doubled before each further one (default 2 s). */
  initialBackoffMs?: number;
  /** Time limit of one attempt (default 30 s). */
  timeoutMs?: number;
  logger?: Logger;
}

/**
 * Pushes each new exchange's PDF to its receiver's webhook. A 2xx response logs the hub's
 * `exchange.deliver` as `delivered`; after the last failed attempt it logs `failed`, and the
 * receiver can still pull the PDF.
 */
export class WebhookPusher {
  readonly #options: Required<Omit<WebhookPusherOptions, 'logger'>> & { logger?: Logger };
  readonly #active = new Map<string, Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(options: WebhookPusherOptions) {
    this.#options = {
      maxAttempts: 5,
      initialBackoffMs: 2000,
      timeoutMs: 30_000,
      ...options,
    };
  }

  /** Starts pushing an exchange unless a push of it is under way or its country has no webhook. */
  schedule(exchange: ExchangeView): void {
    if (this.#closed || this.#active.has(exchange.exchangeId)) return;
    if (this.#options.webhooks.get(exchange.to) === undefined) return;
    const push = this.#push(exchange.exchangeId).finally(() => this.#active.delete(exchange.exchangeId));
    this.#active.set(exchange.exchangeId, push);
  }

  /** Schedules every undelivered exchange to `country`, or to every country with a webhook. */
  scheduleUndelivered(country?: string): void {
    const { service } = this.#options;
    for (const exchange of service.inboxOf(country)) {
      if (exchange.deliveredIndex === undefined && exchange.status !== 'failed') this.schedule(exchange);
    }
  }

  /** Resolves once every push under way has finished. */
  async idle(): Promise<void> {
    while (this.#active.size > 0) await Promise.allSettled([...this.#active.values()]);
  }

  /** Stops retrying; pushes under way end after their current attempt. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled([...this.#active.values()]);
  }

  async #push(exchangeId: string): Promise<void> {
    const { service, maxAttempts, initialBackoffMs, logger } = this.#options;
    let backoffMs = initialBackoffMs;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const view = service.view(exchangeId);
      const webhook = this.#options.webhooks.get(view.to);
      if (webhook === undefined || view.deliveredIndex !== undefined || view.status === 'withdrawn' || view.purged) return;
      try {
        await this.#attempt(view, webhook.url);
        await service.recordDelivery(exchangeId, 'delivered', attempt);
        logger?.info({ exchangeId, to: view.to, attempt }, 'exchange pushed to the webhook');
        return;
      } catch (error) {
        logger?.warn({ exchangeId, to: view.to, attempt, maxAttempts, err: error }, 'push to the webhook failed');
      }
      if (attempt === maxAttempts || this.#closed) break;
      const delay = backoffMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          resolve();
        }, delay);
        timer.unref();
        this.#timers.add(timer);
      });
      backoffMs *= 2;
      if (this.#closed) return;
    }
    if (this.#closed) return;
    try {
      await service.recordDelivery(exchangeId, 'failed', maxAttempts);
      logger?.warn({ exchangeId, attempts: maxAttempts }, 'logged a failed delivery after the last push attempt');
    } catch (error) {
      logger?.error({ exchangeId, err: error }, 'could not log the failed delivery');
    }
  }

  async #attempt(view: ExchangeView, url: string): Promise<void> {
    const { service, operatorKey, timeoutMs } = this.#options;
    const bytes = await service.store.read(view.documentSha256);
    if (bytes === undefined) throw new Error(`the PDF ${view.documentSha256} is not in the document store`);
    // The exchange ID goes into the signed query too, because the Ecert-* headers are not signed.
    const target = new URL(url);
    target.searchParams.set('ecert-exchange', view.exchangeId);
    const headers = await signRequest(
      {
        method: 'POST',
        url: target,
        headers: {
          'content-type': 'application/pdf',
          'ecert-exchange-id': view.exchangeId,
          'ecert-document-sha256': view.documentSha256,
          'ecert-from': view.from,
          'ecert-to': view.to,
        },
        body: bytes,
      },
      operatorKey,
    );
    const response = await fetch(target, { method: 'POST', headers, body: bytes, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299) throw new Error(`the webhook returned HTTP ${response.status}`);
  }
}
