/**
 * One exchange of the benchmark, end to end over HTTP: the sender uploads a PDF with its
 * `document.register` and `exchange.send`, and the receiver reads its inbox, downloads the PDF
 * (the hub logs `exchange.deliver`) and acknowledges it with a signed `exchange.receive`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { PrivateKey } from '../ledger/note.js';
import { utcDateOf } from '../registry/formats.js';
import { benchCabCode, expectStatus, sendSigned, signAs, type BenchCountry } from './exchange-client.js';

export const EXCHANGE_STEPS = ['upload', 'inbox', 'download', 'ack'] as const;
export type ExchangeStep = (typeof EXCHANGE_STEPS)[number];

/** Milliseconds of each step's round trip, and of the whole exchange with the client's signing. */
export type FlowTimings = Record<ExchangeStep | 'total', number>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Builds a document of `size` bytes with a unique header line, so every exchange registers a new
 * SHA-256. The hub checks only the `%PDF-` header and never parses the PDF, so the rest is random
 * filler from `filler` rather than a signed PDF.
 */
export function makeDocument(size: number, filler: Uint8Array, seed: string): Uint8Array {
  const head = Buffer.from(`%PDF-1.7\n% ecert exchange benchmark ${seed} ${randomBytes(8).toString('hex')}\n`);
  if (size < head.length || filler.length < size - head.length) {
    throw new RangeError(`document size ${size} is invalid, expected ${head.length}..${head.length + filler.length} bytes for this header and filler`);
  }
  const document = new Uint8Array(size);
  document.set(head);
  document.set(filler.subarray(0, size - head.length), head.length);
  return document;
}

/** Serialises a multipart/form-data body as fetch would send it, so its digest can be signed first. */
async function multipartBody(parts: { name: string; value: Uint8Array | string; type: string; filename: string }[]): Promise<{ body: Uint8Array; contentType: string }> {
  const form = new FormData();
  for (const part of parts) form.append(part.name, new Blob([part.value], { type: part.type }), part.filename);
  const response = new Response(form);
  return { body: new Uint8Array(await response.arrayBuffer()), contentType: response.headers.get('content-type')! };
}

export interface FlowParties {
  baseUrl: string;
  from: BenchCountry;
  to: BenchCountry;
  sender: PrivateKey;
  receiver: PrivateKey;
}

/**
 * Runs one exchange of `document` under `exchangeId` and returns each step's time. Throws on any
 * status but the documented success, naming the step, so a broken run never reports a rate.
 */
export async function runExchangeFlow(parties: FlowParties, exchangeId: string, document: Uint8Array): Promise<FlowTimings> {
  const { baseUrl, from, to, sender, receiver } = parties;
  const start = performance.now();
  const sha256 = createHash('sha256').update(document).digest('hex');
  const now = Date.now();
  const register = signAs(sender, 'document.register', {
    type: 'CC',
    number: `CC-${sha256.slice(0, 16)}`,
    issuer: benchCabCode(from),
    sha256,
    issuedOn: utcDateOf(now - DAY_MS),
    validUntil: utcDateOf(now + 3 * 365 * DAY_MS),
    product: { description: 'Electric kettles', hsCodes: ['851671'] },
    regulations: ['TR CU 004/2011'],
    standards: ['IEC 60335-2-15'],
    related: [],
  });
  const sendEnvelope = signAs(sender, 'exchange.send', {
    exchangeId,
    documentSha256: sha256,
    from,
    to,
    channel: 'hub',
    header: { subject: `CC ${sha256.slice(0, 16)}` },
  });
  const { body, contentType } = await multipartBody([
    { name: 'register', value: JSON.stringify(register), type: 'application/json', filename: 'register.json' },
    { name: 'send', value: JSON.stringify(sendEnvelope), type: 'application/json', filename: 'send.json' },
    { name: 'document', value: document, type: 'application/pdf', filename: 'document.pdf' },
  ]);

  const upload = await sendSigned(baseUrl, sender, 'POST', '/v1/exchanges', body, { 'content-type': contentType });
  expectStatus(upload, 201, `upload of ${exchangeId} from ${from} to ${to}`);

  const inbox = await sendSigned(baseUrl, receiver, 'GET', '/v1/inbox');
  expectStatus(inbox, 200, `inbox of ${to}`);
  const listed = (inbox.json?.exchanges ?? []) as { exchangeId: string }[];
  if (!listed.some((view) => view.exchangeId === exchangeId)) {
    throw new Error(`inbox of ${to} lists ${listed.length} exchanges but not ${exchangeId}, although its upload returned 201`);
  }

  const download = await sendSigned(baseUrl, receiver, 'GET', `/v1/exchanges/${exchangeId}/document`);
  expectStatus(download, 200, `download of ${exchangeId} by ${receiver.name}`);
  const downloaded = createHash('sha256').update(download.bytes).digest('hex');
  if (downloaded !== sha256) {
    throw new Error(`download of ${exchangeId} has SHA-256 ${downloaded}, but the uploaded PDF has ${sha256}`);
  }

  const receive = signAs(receiver, 'exchange.receive', { exchangeId, acknowledgement: 'positive' });
  const ack = await sendSigned(baseUrl, receiver, 'POST', `/v1/exchanges/${exchangeId}/ack`, Buffer.from(JSON.stringify(receive)), {
    'content-type': 'application/json',
  });
  expectStatus(ack, 200, `acknowledgement of ${exchangeId} by ${receiver.name}`);

  return {
    upload: upload.milliseconds,
    inbox: inbox.milliseconds,
    download: download.milliseconds,
    ack: ack.milliseconds,
    total: performance.now() - start,
  };
}
