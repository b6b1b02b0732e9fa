/**
 * A hub with its document exchange, in this process on 127.0.0.1, for the exchange tests. It has
 * the development setup, authorities of UZ, KG and AZ, one accredited CAB per country, a clock
 * the tests can move forward, and helpers for signed requests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';

import { createDevelopmentSetup } from '../../api/data-dir.js';
import { openExchanges, type Exchanges, type ExchangeSetupOptions } from '../../api/exchanges/setup.js';
import { signRequest } from '../../api/http-signature/sign.js';
import { Hub } from '../../api/hub.js';
import { buildServer } from '../../api/server.js';
import type { SequencerClock } from '../../ledger/sequencer.js';
import { parsePrivateKey, type PrivateKey } from '../../ledger/note.js';
import { signEnvelope, type SignedEnvelope } from '../../registry/envelope.js';
import type { BodyOfKind, Kind } from '../../registry/kinds/index.js';
import { readDevKey, readDevVkey, sha256Hex, signTestEnvelope } from '../helpers/envelopes.js';
import { makeTempDir } from '../helpers/hub-process.js';
import { accreditationBody, authorityRegisterBody, cabCode, cabRegisterBody } from '../helpers/records.js';

export const COUNTRIES = ['UZ', 'KG', 'AZ'] as const;
export type Country = (typeof COUNTRIES)[number];

/** A clock that runs with the system clock plus an offset the test moves forward. */
export class OffsetClock implements SequencerClock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    return setTimeout(callback, ms);
  }
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}

export interface Answer {
  status: number;
  body: any;
  bytes: Uint8Array;
  headers: Headers;
}

export interface ExchangeHub {
  dir: string;
  hub: Hub;
  exchanges: Exchanges;
  app: FastifyInstance;
  baseUrl: string;
  clock: OffsetClock;
  /** Each authority's key, by country. */
  authority: Record<Country, PrivateKey>;
  close(): Promise<void>;
  /** Sends a request signed by `key` (the hub's clock gives `created`). */
  signed(key: PrivateKey, method: string, target: string, body?: Uint8Array, headers?: Record<string, string>): Promise<Answer>;
  /** Signs an envelope as `key`'s actor, at the hub's time. */
  envelope<K extends Kind>(key: PrivateKey, kind: K, body: BodyOfKind[K]): SignedEnvelope<K>;
  /** Registers a generated document of `country`'s CAB and uploads it with an exchange to `to`. */
  sendDocument(from: Country, to: Country, options?: SendOptions): Promise<{ answer: Answer; exchangeId: string; pdf: Uint8Array; sha256: string }>;
}

export interface SendOptions {
  exchangeId?: string;
  pdf?: Uint8Array;
  /** Leaves the register part out (the document is registered already). */
  registered?: boolean;
  /** Leaves the document part out. */
  withoutDocument?: boolean;
  reference?: string;
  /** Signs the request with this key instead of the sender's. */
  requestKey?: PrivateKey;
}

let sequence = 0;

/** Makes a small PDF-like file with unique bytes. The hub checks only its `%PDF-` header. */
export function makePdf(size = 2048, seed = `${process.pid}-${Date.now()}-${sequence++}`): Uint8Array {
  const head = Buffer.from(`%PDF-1.7\n% ${seed}\n`);
  const body = Buffer.alloc(Math.max(0, size - head.length), 0x20);
  return new Uint8Array(Buffer.concat([head, body]));
}

export function documentBodyFor(country: Country, sha256: string): BodyOfKind['document.register'] {
  return {
    type: 'CC',
    number: `CC-${sha256.slice(0, 10)}`,
    issuer: cabCode(country, 1),
    sha256,
    issuedOn: '2026-11-02',
    validUntil: '2029-11-01',
    product: { description: 'Electric kettles', hsCodes: ['851671'] },
    regulations: ['TR CU 004/2011'],
    standards: ['IEC 60335-2-15'],
    related: [],
  } as BodyOfKind['document.register'];
}

/** Serialises a multipart body exactly as it will be sent, so its digest can be signed. */
export async function multipartBody(parts: { name: string; value: Uint8Array | string; type: string; filename?: string }[]): Promise<{ body: Uint8Array; contentType: string }> {
  const form = new FormData();
  for (const part of parts) {
    form.append(part.name, new Blob([part.value], { type: part.type }), part.filename ?? part.name);
  }
  const response = new Response(form);
  return { body: new Uint8Array(await response.arrayBuffer()), contentType: response.headers.get('content-type')! };
}

export async function startExchangeHub(options: Partial<ExchangeSetupOptions> = {}): Promise<ExchangeHub> {
  const temp = makeTempDir('ecert-exchange-');
  const dir = temp.dir;
  createDevelopmentSetup(dir);
  const clock = new OffsetClock();
  const hub = await Hub.open({ dataDir: dir, batchInterval: 5, clock });
  const operatorKey = readKey(dir, 'operator');
  await registerParticipants(hub, dir);
  const exchanges = await openExchanges(hub, {
    dataDir: dir,
    operatorKey,
    sweepIntervalMs: 0,
    push: { maxAttempts: 3, initialBackoffMs: 20, timeoutMs: 2000 },
    ...options,
  });
  // Requests signed in the hub's first seconds are refused (their nonces may predate its start),
  // so the hub's clock runs ahead of the signing clock from here on.
  clock.offsetMs = 10_000;
  const app = await buildServer(hub, { exchanges: exchanges.routes });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const authority = Object.fromEntries(COUNTRIES.map((country) => [country, readKey(dir, `authority:${country}`)])) as Record<Country, PrivateKey>;

  const signed: ExchangeHub['signed'] = async (key, method, target, body, headers = {}) => {
    const url = new URL(target, address);
    const signedHeaders = await signRequest({ method, url, headers, body }, key, { created: Math.floor(clock.now() / 1000) });
    const response = await fetch(url, { method, headers: signedHeaders, body: body === undefined ? undefined : Buffer.from(body) });
    return readAnswer(response);
  };
  const envelope: ExchangeHub['envelope'] = (key, kind, body) => signEnvelope({ kind, body, actor: key.name }, key, { now: clock.now() });

  const sendDocument: ExchangeHub['sendDocument'] = async (from, to, sendOptions = {}) => {
    const pdf = sendOptions.pdf ?? makePdf();
    const sha256 = sha256Hex(pdf);
    const exchangeId = sendOptions.exchangeId ?? `ex-${sha256.slice(0, 12)}-${sequence++}`;
    const key = authority[from];
    const parts = [];
    if (sendOptions.registered !== true) {
      parts.push({ name: 'register', value: JSON.stringify(envelope(key, 'document.register', documentBodyFor(from, sha256))), type: 'application/json' });
    }
    const header = { subject: `CC ${sha256.slice(0, 10)}`, ...(sendOptions.reference === undefined ? {} : { reference: sendOptions.reference }) };
    parts.push({
      name: 'send',
      value: JSON.stringify(envelope(key, 'exchange.send', { exchangeId, documentSha256: sha256, from, to, channel: 'hub', header })),
      type: 'application/json',
    });
    if (sendOptions.withoutDocument !== true) parts.push({ name: 'document', value: pdf, type: 'application/pdf', filename: 'document.pdf' });
    const { body, contentType } = await multipartBody(parts);
    const answer = await signed(sendOptions.requestKey ?? key, 'POST', '/v1/exchanges', body, { 'content-type': contentType });
    return { answer, exchangeId, pdf, sha256 };
  };

  return {
    dir,
    hub,
    exchanges,
    app,
    baseUrl: address,
    clock,
    authority,
    signed,
    envelope,
    sendDocument,
    async close() {
      await app.close();
      await exchanges.close();
      await hub.close();
      temp.remove();
    },
  };
}

export function readKey(dir: string, actor: string): PrivateKey {
  return parsePrivateKey(readFileSync(path.join(dir, 'dev-keys', `${actor.replaceAll(':', '-')}.key`), 'utf8').trim());
}

async function readAnswer(response: Response): Promise<Answer> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text = Buffer.from(bytes).toString('utf8');
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: response.status, body, bytes, headers: response.headers };
}

/** Registers each country's authority, one CAB and its ISO/IEC 17065 accreditation. */
async function registerParticipants(hub: Hub, dir: string): Promise<void> {
  for (const country of COUNTRIES) {
    const registrar = readDevKey(dir, `registrar:${country}`);
    const code = cabCode(country, 1);
    const submit = (kind: string, body: unknown): Promise<unknown> => hub.submit(signTestEnvelope(kind, body, registrar) as unknown as SignedEnvelope);
    await submit('actor.register', authorityRegisterBody(country, readDevVkey(dir, `authority:${country}`)));
    await submit('cab.register', cabRegisterBody(code));
    await submit('accreditation.set', accreditationBody(code));
  }
}
