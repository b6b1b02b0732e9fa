import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

import { sha256 } from '../../ledger/hash.js';
import { CAB_CODE_PATTERN, COUNTRY_PATTERN, HS_CODE_PATTERN, isCalendarDate } from '../../registry/formats.js';
import type { DocumentBody, DocumentType } from '../../registry/kinds/document.js';
import type { ExchangeSendBody } from '../../registry/kinds/exchange.js';
import { UsageError } from '../errors.js';
import { HubError } from '../hub-client.js';
import {
  checkExchangeId,
  openActorClient,
  signRecord,
  type ActorClient,
  type ActorFlags,
  type EntryReceipt,
  type ExchangeView,
} from '../signed-hub-client.js';

export interface SendOptions extends ActorFlags {
  to: string;
  type?: DocumentType;
  number?: string;
  issuer?: string;
  hs?: string;
  regulation: string[];
  standard: string[];
  description?: string;
  issuedOn?: string;
  validUntil?: string;
  subject?: string;
  reference?: string;
  note?: string;
  resend?: string;
  exchangeId?: string;
  json?: boolean;
}

/** The response body of `POST /v1/exchanges`. */
interface SendAnswer {
  exchange: ExchangeView;
  register?: EntryReceipt;
  send: EntryReceipt;
}

/** Metadata of the document as its `document.register` entry gives it. */
interface DocumentIdentity {
  type: DocumentType;
  number: string;
}

/**
 * Largest PDF the command reads. NOTE: the hub's own limit is `--max-document-bytes`
 * (default 20 MiB); this one only keeps the client's memory bounded.
 */
const MAX_PDF_BYTES = 64 * 1024 * 1024;

/** Bytes searched for the `%PDF-` header, which some producers precede with other bytes. */
const PDF_HEADER_WINDOW = 1024;

/** The flag behind each field of the records, by JSON pointer, for error messages. */
const FLAG_OF_FIELD: Record<string, string> = {
  '/type': '--type',
  '/number': '--number',
  '/issuer': '--issuer',
  '/issuedOn': '--issued-on',
  '/validUntil': '--valid-until',
  '/product/description': '--description',
  '/product/hsCodes': '--hs',
  '/regulations': '--regulation',
  '/standards': '--standard',
  '/exchangeId': '--exchange-id',
  '/to': '--to',
  '/header/subject': '--subject',
  '/header/reference': '--reference or --resend',
  '/header/note': '--note',
};

export async function runSend(file: string, options: SendOptions): Promise<void> {
  checkFlags(options);
  const actor = openActorClient(options);
  const pdf = readPdf(file);
  const documentSha256 = Buffer.from(sha256(pdf)).toString('hex');

  const registered = await findRegistration(actor, documentSha256);
  const identity = registered ?? { type: options.type!, number: options.number! };
  checkIdentity(options, registered, documentSha256);
  if (options.resend !== undefined) await checkResendable(actor, options.resend, options.to);

  const register = registered === undefined ? signRecord(actor, 'document.register', documentBody(options, documentSha256), FLAG_OF_FIELD) : undefined;
  const exchangeId = options.exchangeId ?? `${actor.country}-${options.to}-${randomUUID()}`;
  const send = signRecord(actor, 'exchange.send', sendBody(options, actor.country, exchangeId, documentSha256, identity), FLAG_OF_FIELD);

  const form = new FormData();
  if (register !== undefined) form.append('register', JSON.stringify(register));
  form.append('send', JSON.stringify(send));
  form.append('document', new Blob([pdf], { type: 'application/pdf' }), `${documentSha256}.pdf`);
  const { answer } = await actor.client.postForm<SendAnswer>('/v1/exchanges', form);

  let resendIndex: number | undefined;
  if (options.resend !== undefined) resendIndex = await logResend(actor, options.resend, exchangeId);
  printResult(options, answer, documentSha256, resendIndex);
}

/** Checks the flags that need no file or hub, so a typo fails before anything is read or sent. */
function checkFlags(options: SendOptions): void {
  if (!new RegExp(COUNTRY_PATTERN).test(options.to)) {
    throw new UsageError(`--to ${JSON.stringify(options.to)} is not a country code; give two capital letters, e.g. KG`);
  }
  if (options.resend !== undefined && options.reference !== undefined) {
    throw new UsageError('give --resend or --reference, not both: a resend refers to the exchange it replaces');
  }
  if (options.resend !== undefined) checkExchangeId(options.resend, '--resend');
  if (options.exchangeId !== undefined) checkExchangeId(options.exchangeId, '--exchange-id');
  if (options.issuer !== undefined && !new RegExp(CAB_CODE_PATTERN).test(options.issuer)) {
    throw new UsageError(`--issuer ${JSON.stringify(options.issuer)} is not a CAB code such as UZ-UZAC-0042`);
  }
  for (const [flag, value] of [['--issued-on', options.issuedOn], ['--valid-until', options.validUntil]] as const) {
    if (value !== undefined && !isCalendarDate(value)) throw new UsageError(`${flag} ${JSON.stringify(value)} is not a date YYYY-MM-DD`);
  }
  if (options.hs !== undefined) parseHsCodes(options.hs);
}

function parseHsCodes(text: string): string[] {
  const codes = text.split(',').map((code) => code.trim());
  const pattern = new RegExp(HS_CODE_PATTERN);
  const invalid = codes.find((code) => !pattern.test(code));
  if (invalid !== undefined) {
    throw new UsageError(`--hs ${JSON.stringify(text)} has ${JSON.stringify(invalid)}, which is not an HS code of 2 to 10 digits`);
  }
  return codes;
}

/** Reads the PDF, at most MAX_PDF_BYTES, and checks that it is one. */
function readPdf(file: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`cannot read the PDF ${file}: ${reason}`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${file} is not a regular file`);
    if (stat.size > MAX_PDF_BYTES) throw new UsageError(`${file} has ${stat.size} bytes, more than the limit of ${MAX_PDF_BYTES}`);
    const bytes = new Uint8Array(stat.size);
    let offset = 0;
    while (offset < bytes.length) {
      const read = readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    if (offset !== stat.size) throw new UsageError(`${file} changed while it was read (${offset} of ${stat.size} bytes)`);
    const head = Buffer.from(bytes.subarray(0, PDF_HEADER_WINDOW)).toString('latin1');
    if (!head.includes('%PDF-')) throw new UsageError(`${file} is not a PDF: no %PDF- header in its first ${PDF_HEADER_WINDOW} bytes`);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/**
 * Looks the document up on the hub (`GET /v1/documents/<sha256>/history`, 404 when no entry
 * names it) and returns the type and number of its `document.register`. The response is not
 * verified, because it only decides whether to register, and the hub's rules reject a wrong choice.
 */
async function findRegistration(actor: ActorClient, documentSha256: string): Promise<DocumentIdentity | undefined> {
  let history: { entries?: unknown };
  try {
    history = await actor.client.hub.getJson(`/v1/documents/${documentSha256}/history`);
  } catch (error) {
    if (error instanceof HubError && error.status === 404) return undefined;
    throw error;
  }
  const entries = Array.isArray(history.entries) ? (history.entries as { entry?: { kind?: unknown; body?: Partial<DocumentBody> } }[]) : [];
  const register = entries.find((item) => item.entry?.kind === 'document.register' && item.entry.body?.sha256 === documentSha256);
  const body = register?.entry?.body;
  if (body === undefined || typeof body.type !== 'string' || typeof body.number !== 'string') return undefined;
  return { type: body.type, number: body.number };
}

/**
 * For a new document, requires every flag of a `document.register`; for a registered one,
 * requires that --type and --number, when given, match the registration.
 */
function checkIdentity(options: SendOptions, registered: DocumentIdentity | undefined, documentSha256: string): void {
  if (registered !== undefined) {
    for (const [flag, given, logged] of [['--type', options.type, registered.type], ['--number', options.number, registered.number]] as const) {
      if (given !== undefined && given !== logged) {
        throw new UsageError(`document ${documentSha256} is registered with ${flag} ${JSON.stringify(logged)}, not ${JSON.stringify(given)}`);
      }
    }
    return;
  }
  const required = [
    ['--type', options.type],
    ['--number', options.number],
    ['--issuer', options.issuer],
    ['--hs', options.hs],
    ['--description', options.description],
    ['--issued-on', options.issuedOn],
  ] as const;
  const missing = required.filter(([, value]) => value === undefined).map(([flag]) => flag);
  if (missing.length > 0) {
    throw new UsageError(`document ${documentSha256} is not registered yet; to register it, also give ${missing.join(', ')}`);
  }
}

function documentBody(options: SendOptions, documentSha256: string): DocumentBody {
  return {
    type: options.type!,
    number: options.number!,
    issuer: options.issuer!,
    sha256: documentSha256,
    issuedOn: options.issuedOn!,
    ...(options.validUntil === undefined ? {} : { validUntil: options.validUntil }),
    product: { description: options.description!, hsCodes: parseHsCodes(options.hs!) },
    regulations: options.regulation,
    standards: options.standard,
    related: [],
  };
}

function sendBody(options: SendOptions, from: string, exchangeId: string, documentSha256: string, identity: DocumentIdentity): ExchangeSendBody {
  const reference = options.resend ?? options.reference;
  return {
    exchangeId,
    documentSha256,
    from,
    to: options.to,
    channel: 'hub',
    header: {
      subject: options.subject ?? `${identity.type} ${identity.number}`,
      ...(reference === undefined ? {} : { reference }),
      ...(options.note === undefined ? {} : { note: options.note }),
    },
  };
}

/** Checks before sending that the exchange to resend exists, was sent by this country, and went to --to. */
async function checkResendable(actor: ActorClient, previousId: string, to: string): Promise<void> {
  const previous = await actor.client.getJson<ExchangeView>(`/v1/exchanges/${previousId}`);
  if (previous.from !== actor.country) {
    throw new UsageError(`exchange ${previousId} was sent from ${previous.from}; only its sender can resend it, not ${actor.actor}`);
  }
  if (previous.to !== to) throw new UsageError(`exchange ${previousId} went to ${previous.to}, not to --to ${to}`);
}

/** Logs the `resend` exception on the replaced exchange and returns its index. */
async function logResend(actor: ActorClient, previousId: string, exchangeId: string): Promise<number> {
  const envelope = signRecord(actor, 'exchange.exception', {
    exchangeId: previousId,
    reason: 'resend',
    text: `resent as exchange ${exchangeId}`,
  });
  try {
    const receipt = await actor.client.postJson<EntryReceipt>(`/v1/exchanges/${previousId}/exceptions`, envelope);
    return receipt.index;
  } catch (error) {
    if (!(error instanceof HubError)) throw error;
    throw new HubError(
      error.status,
      error.code,
      `exchange ${exchangeId} was sent, but the resend exception on ${previousId} was not logged: ${error.message}; ` +
        `log it with \`ecert exception ${previousId} --reason resend --text "resent as exchange ${exchangeId}"\``,
    );
  }
}

function printResult(options: SendOptions, answer: SendAnswer, documentSha256: string, resendIndex: number | undefined): void {
  const { exchange } = answer;
  if (options.json) {
    const result = {
      exchangeId: exchange.exchangeId,
      status: exchange.status,
      documentSha256,
      registerIndex: answer.register?.index ?? null,
      sendIndex: answer.send.index,
      ...(resendIndex === undefined ? {} : { resendExceptionIndex: resendIndex }),
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const lines = [`exchange ${exchange.exchangeId} to ${exchange.to}: ${exchange.status}`];
  if (answer.register !== undefined) lines.push(`document ${documentSha256} registered at index ${answer.register.index}`);
  lines.push(`exchange.send logged at index ${answer.send.index}`);
  if (resendIndex !== undefined) lines.push(`resend exception on ${options.resend} logged at index ${resendIndex}`);
  process.stdout.write(lines.join('\n') + '\n');
}
