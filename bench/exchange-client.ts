/**
 * The load generator's side of the exchange benchmark: development keys read from the hub's data
 * directory, RFC 9421 signed requests, and the registrations every exchange needs (an authority,
 * a CAB and its accreditation per country) through `POST /v1/entries`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { signRequest } from '../api/http-signature/sign.js';
import { parsePrivateKey, verifierKeyOf, type PrivateKey } from '../ledger/note.js';
import { signEnvelope, type SignedEnvelope } from '../registry/envelope.js';
import { formatUtcTime, utcDateOf } from '../registry/formats.js';
import type { BodyOfKind, Kind } from '../registry/kinds/index.js';

/** The countries of the development setup that `ecert serve` creates. */
export const BENCH_COUNTRIES = ['UZ', 'KG', 'AZ', 'PK', 'TJ'] as const;
export type BenchCountry = (typeof BENCH_COUNTRIES)[number];

const DAY_MS = 24 * 60 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 60_000;
/** Bounds the wait for the hub's start-up window: it accepts signatures 5 s after it started. */
const SIGNATURE_WAIT_MS = 30_000;

export interface HttpResult {
  status: number;
  /** Parsed JSON when the response is JSON, else undefined. */
  json: any;
  bytes: Uint8Array;
  headers: Headers;
  /** From sending the request to reading the last byte of the response. */
  milliseconds: number;
}

/** Reads the private key of `actor` (e.g. `authority:UZ`) from DIR/dev-keys. */
export function readDevKey(dataDir: string, actor: string): PrivateKey {
  const file = path.join(dataDir, 'dev-keys', `${actor.replaceAll(':', '-')}.key`);
  return parsePrivateKey(readFileSync(file, 'utf8').trim());
}

/** Returns the code of the one CAB the benchmark registers in `country`, e.g. `UZ-UZAC-0001`. */
export function benchCabCode(country: string): string {
  return `${country}-${country}AC-0001`;
}

/** Signs a record as `key`'s actor at the current time. */
export function signAs<K extends Kind>(key: PrivateKey, kind: K, body: BodyOfKind[K]): SignedEnvelope<K> {
  return signEnvelope({ kind, body, actor: key.name }, key);
}

/** Sends a request and reads the whole response, timing both. */
export async function send(url: string, init: RequestInit): Promise<HttpResult> {
  const start = performance.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const milliseconds = performance.now() - start;
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  const json: unknown = isJson ? JSON.parse(Buffer.from(bytes).toString('utf8')) : undefined;
  return { status: response.status, json, bytes, headers: response.headers, milliseconds };
}

/** Signs a request under RFC 9421 as `key`'s actor and sends it; only the round trip is timed. */
export async function sendSigned(
  baseUrl: string,
  key: PrivateKey,
  method: string,
  target: string,
  body?: Uint8Array,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const url = new URL(target, baseUrl);
  const signedHeaders = await signRequest({ method, url, headers, body }, key, { created: Math.floor(Date.now() / 1000) });
  return send(url.href, { method, headers: signedHeaders, body: body === undefined ? undefined : Buffer.from(body) });
}

/** Throws with the request, the status and the hub's error body unless the status is `expected`. */
export function expectStatus(result: HttpResult, expected: number, request: string): void {
  if (result.status === expected) return;
  const detail = result.json !== undefined ? JSON.stringify(result.json) : Buffer.from(result.bytes.subarray(0, 500)).toString('utf8');
  throw new Error(`${request}: the hub returned ${result.status}, expected ${expected}: ${detail}`);
}

/**
 * Registers each country's authority (sender and receiver), one certification body and its
 * ISO/IEC 17065 accreditation, each signed by that country's registrar. The countries go in
 * parallel, so the three rounds take three integrations.
 */
export async function registerParticipants(baseUrl: string, dataDir: string): Promise<void> {
  const now = Date.now();
  const submit = async (registrar: PrivateKey, envelope: SignedEnvelope): Promise<void> => {
    const result = await send(new URL('/v1/entries', baseUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    expectStatus(result, 200, `${envelope.kind} by ${registrar.name}`);
  };
  const registrars = BENCH_COUNTRIES.map((country) => ({ country, key: readDevKey(dataDir, `registrar:${country}`) }));
  await Promise.all(
    registrars.map(({ country, key }) => {
      const authority = verifierKeyOf(readDevKey(dataDir, `authority:${country}`));
      return submit(key, signAs(key, 'actor.register', { actor: `authority:${country}`, roles: ['sender', 'receiver'], key: authority }));
    }),
  );
  await Promise.all(
    registrars.map(({ country, key }) =>
      submit(
        key,
        signAs(key, 'cab.register', {
          code: benchCabCode(country),
          name: `Benchmark certification body of ${country}`,
          type: 'certification-body',
          status: 'active',
          effectiveAt: formatUtcTime(now - DAY_MS),
        }),
      ),
    ),
  );
  await Promise.all(
    registrars.map(({ country, key }) =>
      submit(
        key,
        signAs(key, 'accreditation.set', {
          cabCode: benchCabCode(country),
          standard: 'ISO/IEC 17065',
          accreditationBody: `${country}AC`,
          number: `ACC-${benchCabCode(country)}`,
          scope: { hsCodes: ['8516'], regulations: ['TR CU 004/2011'], standards: ['IEC 60335-1'] },
          validFrom: utcDateOf(now - 365 * DAY_MS),
          validUntil: utcDateOf(now + 3 * 365 * DAY_MS),
          status: 'active',
          effectiveAt: formatUtcTime(now - DAY_MS),
        }),
      ),
    ),
  );
}

/**
 * Waits until the hub accepts request signatures. It returns 503 `signature_before_start` to
 * signatures created in its first 5 s, because a previous run may have seen their nonces.
 */
export async function waitForSignatures(baseUrl: string, key: PrivateKey): Promise<void> {
  const deadline = Date.now() + SIGNATURE_WAIT_MS;
  for (;;) {
    const result = await sendSigned(baseUrl, key, 'GET', '/v1/inbox');
    if (result.status === 200) return;
    const code: unknown = result.json?.error?.code;
    if (result.status !== 503 || code !== 'signature_before_start' || Date.now() > deadline) {
      expectStatus(result, 200, `GET /v1/inbox as ${key.name} while waiting for the hub to accept signatures`);
    }
    const retryAfterSeconds = Number(result.headers.get('retry-after') ?? 1);
    await new Promise((resolve) => setTimeout(resolve, Math.min(5, Math.max(0.2, retryAfterSeconds)) * 1000));
  }
}
