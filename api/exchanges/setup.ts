import { join } from 'node:path';

import type { Logger } from 'pino';

import type { PrivateKey } from '../../ledger/note.js';
import { DocumentStore } from '../document-store.js';
import type { Hub } from '../hub.js';
import { RequestVerifier, registryKeyLookup } from '../http-signature/verify.js';
import type { ExchangeRouteOptions } from '../routes/exchanges.js';
import { RetentionSweeper } from './retention.js';
import { ExchangeService } from './service.js';
import { WebhookPusher, WebhookRegistry } from './webhooks.js';

/** Folder of a hub data directory that contains the exchange's PDFs and the push addresses. */
export const EXCHANGE_DIR = 'exchanges';

/** Folder of EXCHANGE_DIR with the PDFs, one `<sha256>.pdf` per distinct document. */
export const DOCUMENTS_DIR = 'documents';

export const DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;
export const DEFAULT_STORAGE_QUOTA_BYTES = 10 * 1024 * 1024 * 1024;

export interface ExchangeSetupOptions {
  dataDir: string;
  operatorKey: PrivateKey;
  maxDocumentBytes?: number;
  storageQuotaBytes?: number;
  /** Uploads received at once; more get 503 `busy` (default 16). */
  maxConcurrentUploads?: number;
  retentionMs?: number;
  collectionLimitMs?: number;
  /** Interval of the retention sweep; 0 leaves sweeping to the caller (tests). Default one minute. */
  sweepIntervalMs?: number;
  push?: { maxAttempts?: number; initialBackoffMs?: number; timeoutMs?: number };
  logger?: Logger;
}

/** The running exchange side of a hub: its routes' dependencies and what must be stopped. */
export interface Exchanges {
  routes: ExchangeRouteOptions;
  service: ExchangeService;
  sweeper: RetentionSweeper;
  pusher: WebhookPusher;
  close(): Promise<void>;
}

/**
 * Opens the document store under `<dataDir>/exchanges`, then starts the retention sweep and
 * resumes the pushes that a restart interrupted.
 */
export async function openExchanges(hub: Hub, options: ExchangeSetupOptions): Promise<Exchanges> {
  const directory = join(options.dataDir, EXCHANGE_DIR);
  const store = await DocumentStore.open({
    dir: join(directory, DOCUMENTS_DIR),
    quotaBytes: options.storageQuotaBytes ?? DEFAULT_STORAGE_QUOTA_BYTES,
    maxDocumentBytes: options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES,
    maxConcurrentUploads: options.maxConcurrentUploads,
  });
  for (const removed of store.removedAtOpen) {
    options.logger?.warn({ file: removed.name, reason: removed.reason }, 'removed a file from the document store at start');
  }
  const service = new ExchangeService(hub, {
    operatorKey: options.operatorKey,
    store,
    retentionMs: options.retentionMs,
    collectionLimitMs: options.collectionLimitMs,
    logger: options.logger,
  });
  const webhooks = WebhookRegistry.load(join(directory, 'webhooks.json'));
  const pusher = new WebhookPusher({ service, webhooks, operatorKey: options.operatorKey, logger: options.logger, ...options.push });
  const sweeper = new RetentionSweeper(service, options.logger);
  const verifier = new RequestVerifier({ lookup: registryKeyLookup(() => hub.registry.state), now: () => hub.now() });

  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  if (sweepIntervalMs > 0) sweeper.start(sweepIntervalMs);
  pusher.scheduleUndelivered();
  return {
    routes: {
      service,
      verifier,
      webhooks,
      onSent: (exchange) => pusher.schedule(exchange),
      onWebhookSet: (country) => pusher.scheduleUndelivered(country),
    },
    service,
    sweeper,
    pusher,
    async close() {
      await sweeper.stop();
      await pusher.close();
    },
  };
}
