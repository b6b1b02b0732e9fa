import { COUNTRY_PATTERN } from '../../registry/formats.js';
import { CliError, UsageError } from '../errors.js';
import type { InboxStatus } from './inbox.js';
import { openActorClient, type ActorClient, type ActorFlags, type ExchangeView } from '../signed-hub-client.js';

export interface InboxOptions extends ActorFlags {
  status?: InboxStatus;
  country?: string;
  /** A URL for --webhook, false for --no-webhook, undefined for neither. */
  webhook?: string | false;
  json?: boolean;
}

/** The response body of `GET /v1/inbox`. */
interface InboxAnswer {
  country: string;
  exchanges: ExchangeView[];
  /** The `after` value of the next page, when more exchanges match. */
  next?: number;
}

/** Maximum length of a webhook URL the command sends. The hub applies its own limit too. */
const MAX_WEBHOOK_URL_LENGTH = 2048;

export async function runInbox(options: InboxOptions): Promise<void> {
  if (options.country !== undefined && !new RegExp(COUNTRY_PATTERN).test(options.country)) {
    throw new UsageError(`--country ${JSON.stringify(options.country)} is not a country code; give two capital letters, e.g. KG`);
  }
  if (options.webhook !== undefined && (options.status !== undefined || options.country !== undefined)) {
    throw new UsageError('--webhook and --no-webhook set the webhook of your own country; give them without --status or --country');
  }
  if (typeof options.webhook === 'string') checkWebhookUrl(options.webhook);
  const actor = openActorClient(options);
  if (options.webhook !== undefined) {
    await updateWebhook(actor, options.webhook, options.json ?? false);
    return;
  }
  const answer = await readInbox(actor, options);
  if (options.json) {
    process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
    return;
  }
  process.stdout.write(formatInbox(answer, options.status ?? 'open'));
}

/** Most inbox pages read for one listing; the hub returns up to 1000 exchanges per page. */
const MAX_INBOX_PAGES = 100;

/** Reads every page of the inbox, following the hub's `next` cursor. */
async function readInbox(actor: ActorClient, options: InboxOptions): Promise<InboxAnswer> {
  const exchanges: ExchangeView[] = [];
  let country = '';
  let after: number | undefined;
  for (let page = 0; page < MAX_INBOX_PAGES; page++) {
    const query = new URLSearchParams();
    if (options.country !== undefined) query.set('country', options.country);
    if (options.status !== undefined) query.set('status', options.status);
    if (after !== undefined) query.set('after', String(after));
    const search = query.toString() === '' ? '' : `?${query.toString()}`;
    const answer = await actor.client.getJson<InboxAnswer>(`/v1/inbox${search}`);
    if (!Array.isArray(answer.exchanges)) throw new CliError("the hub's inbox response has no exchanges array");
    country = answer.country;
    exchanges.push(...answer.exchanges);
    if (answer.next === undefined) return { country, exchanges };
    if (!Number.isSafeInteger(answer.next) || (after !== undefined && answer.next <= after)) {
      throw new CliError(`the hub returned an invalid next cursor ${JSON.stringify(answer.next)} for the inbox; report this to the hub's operator`);
    }
    after = answer.next;
  }
  throw new CliError(`the inbox has more than ${MAX_INBOX_PAGES} pages of exchanges; acknowledge some, or read it with GET /v1/inbox and its after parameter`);
}

function checkWebhookUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--webhook ${JSON.stringify(text.slice(0, 200))} is not a URL; give one like https://customs.example/ecert`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--webhook ${text} must be an http or https URL`);
  if (text.length > MAX_WEBHOOK_URL_LENGTH) throw new UsageError(`--webhook has ${text.length} characters, more than ${MAX_WEBHOOK_URL_LENGTH}`);
}

/** Sets (PUT) or removes (DELETE) the push webhook of the signer's country; `--json` prints the hub's response. */
async function updateWebhook(actor: ActorClient, webhook: string | false, json: boolean): Promise<void> {
  const response =
    webhook === false
      ? await actor.client.deleteJson<unknown>('/v1/inbox/webhook')
      : await actor.client.putJson<unknown>('/v1/inbox/webhook', { url: webhook });
  if (json) {
    process.stdout.write(JSON.stringify(response, null, 2) + '\n');
  } else {
    process.stdout.write(webhook === false ? `removed the webhook of ${actor.country}\n` : `webhook of ${actor.country} set to ${webhook}\n`);
  }
}

/** Formats the inbox as a table with one exchange per row. */
function formatInbox(answer: InboxAnswer, status: string): string {
  if (answer.exchanges.length === 0) return `no ${status === 'all' ? '' : `${status} `}exchanges for ${printable(answer.country)}\n`;
  const header = ['EXCHANGE', 'FROM', 'SUBJECT', 'STATUS', 'SENT INDEX', 'SENT AT'];
  const rows = answer.exchanges.map((exchange) => [
    exchange.exchangeId,
    exchange.from,
    exchange.header?.subject,
    exchange.acknowledgement === undefined ? exchange.status : `${exchange.status} (${exchange.acknowledgement})`,
    exchange.sentIndex,
    Number.isSafeInteger(exchange.sentAt) ? new Date(exchange.sentAt).toISOString() : exchange.sentAt,
  ].map(printable));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const format = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [format(header), ...rows.map(format)].join('\n') + '\n';
}

/** Renders a value as one line of at most 80 printable characters, because the hub's text is untrusted. */
function printable(value: unknown): string {
  const text = String(value ?? '-').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
