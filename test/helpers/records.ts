/**
 * Record bodies of the real entry kinds for tests, and a small HTTP client for a hub.
 */
import type { TestEnvelope } from './envelopes.js';
import { sha256Hex } from './envelopes.js';

/** The countries of the development setup. */
export const DEV_COUNTRIES = ['UZ', 'AZ', 'KG', 'PK', 'TJ'] as const;

export function authorityRegisterBody(country: string, vkey: string): unknown {
  return { actor: `authority:${country}`, roles: ['sender', 'receiver'], key: vkey };
}

/** A CAB code of `country`, e.g. `UZ-UZAC-0042`; `number` is below 10^8. */
export function cabCode(country: string, number: number): string {
  return `${country}-${country}AC-${String(number).padStart(4, '0')}`;
}

export function cabRegisterBody(code: string): unknown {
  return { code, name: `Test body ${code}`, type: 'certification-body', status: 'active', effectiveAt: '2026-01-01T00:00:00.000Z' };
}

export function accreditationBody(code: string): unknown {
  return {
    cabCode: code,
    standard: 'ISO/IEC 17065',
    accreditationBody: `${code.slice(0, 2)}AC`,
    number: `ACC-${code}`,
    scope: { hsCodes: ['8516'], regulations: ['TR CU 004/2011'], standards: ['IEC 60335-1'] },
    validFrom: '2026-01-01',
    validUntil: '2030-12-31',
    status: 'active',
    effectiveAt: '2026-01-01T00:00:00.000Z',
  };
}

/** A certificate of conformity issued by `issuer`; `seed` makes its SHA-256 unique. */
export function documentBody(issuer: string, seed: string): unknown {
  const sha256 = sha256Hex(`document ${seed}`);
  return {
    type: 'CC',
    number: `CC-${sha256.slice(0, 8)}`,
    issuer,
    sha256,
    issuedOn: '2026-11-02',
    validUntil: '2029-11-01',
    product: { description: 'Electric kettles', hsCodes: ['851671'] },
    regulations: ['TR CU 004/2011'],
    standards: ['IEC 60335-2-15'],
    related: [],
  };
}

/** Status and parsed JSON (or text) of one HTTP exchange. */
export interface HttpAnswer<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** The `{error: {code, message}}` body of a rejected request. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** The response body of POST /v1/entries. */
export interface SubmitAnswer {
  index: number;
  leafHash: string;
  checkpoint: string;
  proof: string[];
  receipt: string;
}

/** Sends a request and returns status and body, parsing JSON bodies. */
export async function request(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('application/json')) body = JSON.parse(text);
  return { status: response.status, body, text, headers: response.headers };
}

/** Fetches bytes, failing the test on any status but 200. */
export async function getBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Posts a JSON text or value to /v1/entries. */
export function postEntry(baseUrl: string, envelope: TestEnvelope | string, contentType = 'application/json'): Promise<HttpAnswer> {
  return request(`${baseUrl}/v1/entries`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof envelope === 'string' ? envelope : JSON.stringify(envelope),
  });
}

/** Posts an envelope that must be logged and returns the response body. */
export async function submitOk(baseUrl: string, envelope: TestEnvelope): Promise<SubmitAnswer> {
  const answer = await postEntry(baseUrl, envelope);
  if (answer.status !== 200) {
    throw new Error(`${envelope.kind} by ${envelope.actor} was rejected: ${answer.status} ${answer.text}`);
  }
  return answer.body as SubmitAnswer;
}

/** Runs `task` over `items` with at most `limit` running at once, keeping the order of results. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const position = next++;
      results[position] = await task(items[position]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
