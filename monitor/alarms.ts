/**
 * Alarms a monitor raises: a stable `code`, a message, where the evidence came from, and the
 * evidence itself (checkpoint notes, entries, hashes), so a reader can check the claim without
 * asking the hub again.
 */
import type { Logger } from 'pino';

import { deliverWebhook } from './webhook.js';

/** Stable alarm codes. Callers and webhooks switch on these, never on the message. */
export const ALARM_CODES = [
  /** A checkpoint whose log signature does not verify under the pinned log key. */
  'bad_signature',
  /** The hub served a checkpoint smaller than one the monitor accepted before. */
  'rollback',
  /** Two checkpoints signed by the log key that are not consistent, whoever served them. */
  'fork',
  /** A logged entry that the registry rules reject. */
  'rule_violation',
  /** A logged entry whose actor signature does not verify. */
  'invalid_actor_signature',
  /** A hash tile that disagrees with its entry bundle or with the tile level below it. */
  'tile_mismatch',
  /** Tiles and entries that agree with each other but not with the signed checkpoint's root. */
  'root_mismatch',
  /** A growing log that published no new checkpoint for longer than the configured limit. */
  'stalled',
  /** Entry 0 is not the pinned genesis entry. */
  'genesis_mismatch',
] as const;

export type AlarmCode = (typeof ALARM_CODES)[number];

/** Evidence values: notes and messages as text, hashes and entries as standard base64. */
export type AlarmEvidence = Readonly<Record<string, string | number | boolean | null | readonly string[]>>;

export interface Alarm {
  code: AlarmCode;
  message: string;
  /** The log's origin. */
  origin: string;
  /** URL of the hub or peer that served the offending data. */
  source: string;
  /** Detection time, RFC 3339 UTC. */
  detectedAt: string;
  evidence: AlarmEvidence;
}

/** The destinations of raised alarms besides the monitor's own record of them. */
export interface AlarmSink {
  raise(alarm: Alarm): Promise<void>;
}

export interface AlarmOutputOptions {
  logger: Logger;
  /** Writes one line per alarm for a person or a script (text or JSON). */
  print?: (line: string) => void;
  /** Prints JSON lines instead of text. */
  json?: boolean;
  /** URL that receives each alarm as a JSON POST. */
  webhook?: string;
  /** Time limit of a webhook request in milliseconds (default 10 s). */
  webhookTimeoutMs?: number;
  /** Webhook attempts per alarm, the first included (default 4). */
  webhookAttempts?: number;
  /** Wait before the first webhook retry in milliseconds, doubled before each later one (default 1 s). */
  webhookRetryDelayMs?: number;
}

/**
 * Returns a sink that logs each alarm (pino, level error), prints it and posts it to the
 * webhook. A failed webhook request is retried with backoff and logged (see webhook.ts). With
 * the defaults, one alarm holds up the monitor for at most 4 requests of 10 s and 7 s of waits.
 */
export function alarmOutput(options: AlarmOutputOptions): AlarmSink {
  const { logger } = options;
  return {
    async raise(alarm) {
      logger.error({ alarm: alarm.code, origin: alarm.origin, source: alarm.source, evidence: alarm.evidence }, alarm.message);
      options.print?.(options.json === true ? JSON.stringify(alarm) : formatAlarmText(alarm));
      if (options.webhook === undefined) return;
      await deliverWebhook(
        options.webhook,
        alarm,
        { logger, attempts: options.webhookAttempts, retryDelayMs: options.webhookRetryDelayMs, timeoutMs: options.webhookTimeoutMs },
        { alarm: alarm.code, origin: alarm.origin },
      );
    },
  };
}

/** Formats an alarm as text: a headline, then one indented line per evidence field. */
export function formatAlarmText(alarm: Alarm): string {
  const lines = [`ALARM ${alarm.code}: ${alarm.message} (source ${alarm.source}, ${alarm.detectedAt})`];
  for (const [field, value] of Object.entries(alarm.evidence)) {
    const text = Array.isArray(value) ? value.join('\n') : String(value);
    const indented = text.replace(/\n$/, '').split('\n').join('\n    ');
    lines.push(`  ${field}:${indented.includes('\n') ? '\n    ' : ' '}${indented}`);
  }
  return lines.join('\n');
}

/**
 * Returns the key under which an alarm is recorded once: the same fork or violation seen again
 * on the next poll is not raised twice. `stalled` includes the detection time's last growth.
 */
export function alarmKey(alarm: Alarm): string {
  const { evidence } = alarm;
  const parts = [alarm.code, alarm.source];
  for (const field of ['index', 'tile', 'size', 'servedNote', 'peerNote', 'lastGrowthAt']) {
    const value = evidence[field];
    if (value !== undefined) parts.push(`${field}=${String(value)}`);
  }
  return parts.join('|');
}
