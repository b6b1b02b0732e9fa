/**
 * Kills a real `ecert serve` process during an upload and during a download, then restarts it on
 * the same data directory. No partial PDF may be stored or served, no exchange may be logged
 * without its PDF, and a retried upload must be idempotent.
 */
import { existsSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { signRequest } from '../../api/http-signature/sign.js';
import type { PrivateKey } from '../../ledger/note.js';
import { signEnvelope } from '../../registry/envelope.js';
import { readDevKey, readDevVkey, sha256Hex, signTestEnvelope } from '../helpers/envelopes.js';
import { ensureBuilt, makeTempDir, startHub, type HubProcess } from '../helpers/hub-process.js';
import { accreditationBody, authorityRegisterBody, cabCode, cabRegisterBody } from '../helpers/records.js';
import { documentBodyFor, makePdf, multipartBody, readKey } from './exchange-harness.js';

const HUB_ARGS = ['--batch-interval', '10'];

interface Answer {
  status: number;
  body: any;
  bytes: Uint8Array;
  headers: Headers;
}

/** Sends a signed request, signing again after a 503 `signature_before_start` of a hub that just started. */
async function signedFetch(baseUrl: string, key: PrivateKey, method: string, target: string, body?: Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
  for (let attempt = 0; ; attempt++) {
    const url = new URL(target, baseUrl);
    const signed = await signRequest({ method, url, headers, body }, key);
    const response = await fetch(url, { method, headers: signed, body: body === undefined ? undefined : Buffer.from(body) });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    const answer = { status: response.status, body: isJson ? JSON.parse(Buffer.from(bytes).toString('utf8')) : undefined, bytes, headers: response.headers };
    if (answer.status !== 503 || answer.body?.error?.code !== 'signature_before_start' || attempt >= 10) return answer;
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? '1') * 1000));
  }
}

async function logSize(baseUrl: string): Promise<number> {
  return ((await (await fetch(`${baseUrl}/v1/log`)).json()) as { size: number }).size;
}

function documentFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'exchanges', 'documents');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe('exchanges across a killed hub', () => {
  const temp = makeTempDir('ecert-exchange-restart-');
  let hub: HubProcess;
  let uz: PrivateKey;
  let kg: PrivateKey;

  beforeAll(async () => {
    ensureBuilt();
    hub = await startHub(temp.dir, { args: HUB_ARGS });
    for (const country of ['UZ', 'KG']) {
      const registrar = readDevKey(temp.dir, `registrar:${country}`);
      const code = cabCode(country, 1);
      for (const [kind, body] of [
        ['actor.register', authorityRegisterBody(country, readDevVkey(temp.dir, `authority:${country}`))],
        ['cab.register', cabRegisterBody(code)],
        ['accreditation.set', accreditationBody(code)],
      ] as const) {
        const response = await fetch(`${hub.url}/v1/entries`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(signTestEnvelope(kind, body, registrar)),
        });
        expect(response.status).toBe(200);
      }
    }
    uz = readKey(temp.dir, 'authority:UZ');
    kg = readKey(temp.dir, 'authority:KG');
  }, 60_000);

  afterAll(async () => {
    await hub?.kill();
    temp.remove();
  });

  it('kill mid-upload leaves nothing behind', async () => {
    const pdf = makePdf(4 * 1024 * 1024);
    const sha256 = sha256Hex(pdf);
    const exchangeId = 'restart-upload-1';
    const register = signEnvelope({ kind: 'document.register', body: documentBodyFor('UZ', sha256), actor: uz.name }, uz);
    const send = signEnvelope(
      { kind: 'exchange.send', body: { exchangeId, documentSha256: sha256, from: 'UZ', to: 'KG', channel: 'hub', header: { subject: 'restart' } }, actor: uz.name },
      uz,
    );
    const { body, contentType } = await multipartBody([
      { name: 'register', value: JSON.stringify(register), type: 'application/json' },
      { name: 'send', value: JSON.stringify(send), type: 'application/json' },
      { name: 'document', value: pdf, type: 'application/pdf', filename: 'd.pdf' },
    ]);
    // The hub refuses signatures from its first seconds; one cheap request waits that out.
    expect((await signedFetch(hub.url, kg, 'GET', '/v1/inbox')).status).toBe(200);
    const sizeBefore = await logSize(hub.url);

    const url = new URL('/v1/exchanges', hub.url);
    const headers = await signRequest({ method: 'POST', url, headers: { 'content-type': contentType }, body }, uz);
    const partial = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } });
    partial.on('error', () => undefined);
    partial.write(Buffer.from(body.subarray(0, Math.floor(body.length / 2))));
    // Give the hub time to read and write part of the PDF, then kill it with the body half sent.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await hub.kill();
    partial.destroy();

    hub = await startHub(temp.dir, { args: HUB_ARGS });
    expect(await logSize(hub.url)).toBe(sizeBefore);
    expect(documentFiles(temp.dir)).toEqual([]);
    const missing = await signedFetch(hub.url, kg, 'GET', `/v1/exchanges/${exchangeId}`);
    expect(missing.body.error.code).toBe('exchange_not_found');

    const first = await signedFetch(hub.url, uz, 'POST', '/v1/exchanges', body, { 'content-type': contentType });
    expect(first.status).toBe(201);
    expect(documentFiles(temp.dir)).toEqual([`${sha256}.pdf`]);
    const again = await signedFetch(hub.url, uz, 'POST', '/v1/exchanges', body, { 'content-type': contentType });
    expect(again.status).toBe(200);
    expect(again.body.send.index).toBe(first.body.send.index);
    expect(await logSize(hub.url)).toBe(sizeBefore + 2);
  }, 90_000);

  it('kill mid-download serves the whole PDF after restart', async () => {
    const exchangeId = 'restart-upload-1';
    const url = new URL(`/v1/exchanges/${exchangeId}/document`, hub.url);
    const headers = await signRequest({ method: 'GET', url }, kg);
    const received: Buffer[] = [];
    let announcedLength = -1;
    const finished = new Promise<'complete' | 'cut'>((resolve) => {
      const download = httpRequest(url, { method: 'GET', headers }, (response) => {
        announcedLength = Number(response.headers['content-length']);
        response.on('data', (chunk: Buffer) => received.push(chunk));
        response.on('end', () => resolve(response.complete ? 'complete' : 'cut'));
        response.on('error', () => resolve('cut'));
        response.on('aborted', () => resolve('cut'));
        void hub.kill();
      });
      download.on('error', () => resolve('cut'));
      download.end();
    });
    const outcome = await finished;
    await hub.kill();
    const got = Buffer.concat(received);
    if (outcome === 'complete') {
      // The whole response left before the kill: then it is the exact PDF.
      expect(got.length).toBe(announcedLength);
    } else {
      expect(got.length === announcedLength).toBe(false);
    }

    hub = await startHub(temp.dir, { args: HUB_ARGS });
    const download = await signedFetch(hub.url, kg, 'GET', `/v1/exchanges/${exchangeId}/document`);
    expect(download.status).toBe(200);
    const view = await signedFetch(hub.url, kg, 'GET', `/v1/exchanges/${exchangeId}`);
    expect(sha256Hex(download.bytes)).toBe(view.body.documentSha256);
    expect(download.headers.get('content-digest')).toBe(`sha-256=:${Buffer.from(sha256Hex(download.bytes), 'hex').toString('base64')}:`);
    expect(view.body.status).toBe('delivered');
    expect(view.body.steps.filter((step: { kind: string }) => step.kind === 'exchange.deliver')).toHaveLength(1);
  }, 90_000);
});
