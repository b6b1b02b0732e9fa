/**
 * Delivery of alarms to a webhook: a JSON POST, retried with exponential backoff when the
 * receiver is unreachable, times out or responds with 408, 429 or 5xx. Other statuses are final,
 * since sending the same alarm again would get the same response.
 */
import type { Logger } from 'pino';

export interface WebhookOptions {
  logger: Logger;
  /** Attempts in all, the first included (default 4). */
  attempts?: number;
  /** Wait before the first retry in milliseconds, doubled before each later one (default 1 s). */
  retryDelayMs?: number;
  /** Time limit of each request in milliseconds (default 10 s). */
  timeoutMs?: number;
}

/** Attempts of {@link WebhookOptions.attempts} when not set. */
export const DEFAULT_WEBHOOK_ATTEMPTS = 4;
/** Most attempts accepted, which bounds how long one alarm can hold up the monitor. */
export const MAX_WEBHOOK_ATTEMPTS = 10;

/** Statuses worth another attempt: the receiver may accept the same request later. */
function isRetryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * POSTs `body` as JSON to `url` until the receiver accepts it (2xx) or the attempts run out.
 * Logs every failed attempt with its number and cause. Returns whether the receiver accepted it.
 * @throws RangeError for attempts outside 1..10 or a negative delay.
 */
export async function deliverWebhook(url: string, body: unknown, options: WebhookOptions, fields: Record<string, unknown> = {}): Promise<boolean> {
  const attempts = options.attempts ?? DEFAULT_WEBHOOK_ATTEMPTS;
  const firstDelayMs = options.retryDelayMs ?? 1000;
  if (!Number.isSafeInteger(attempts) || attempts < 1 || attempts > MAX_WEBHOOK_ATTEMPTS) {
    throw new RangeError(`webhook attempts ${attempts} is invalid, expected an integer in 1..${MAX_WEBHOOK_ATTEMPTS}`);
  }
  if (!Number.isFinite(firstDelayMs) || firstDelayMs < 0) throw new RangeError(`webhook retry delay ${firstDelayMs} ms is invalid`);
  const { logger } = options;
  const payload = JSON.stringify(body);

  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryable: boolean;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      if (response.ok) {
        if (attempt > 1) logger.info({ ...fields, webhook: url, attempt }, 'webhook accepted the alarm after a retry');
        return true;
      }
      retryable = isRetryable(response.status);
      logger.warn({ ...fields, webhook: url, attempt, attempts, status: response.status, retryable }, 'webhook rejected the alarm');
    } catch (error) {
      retryable = true;
      logger.warn({ ...fields, webhook: url, attempt, attempts, err: error }, 'webhook request failed');
    }
    if (!retryable) break;
    if (attempt < attempts) await sleep(firstDelayMs * 2 ** (attempt - 1));
  }
  logger.error({ ...fields, webhook: url, attempts }, 'webhook did not accept the alarm; giving up');
  return false;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
