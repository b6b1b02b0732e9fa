import { readdirSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RequestVerifier } from '../../api/http-signature/verify.js';
import { signRequest } from '../../api/http-signature/sign.js';
import { exchangeView } from '../../registry/exchange-view.js';
import { Registry } from '../../registry/registry.js';
import { sha256Hex } from '../helpers/envelopes.js';
import { makePdf, multipartBody, readKey, startExchangeHub, type ExchangeHub } from './exchange-harness.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Rebuilds the registry from the hub's stored entries alone and returns the exchange's view. */
async function viewFromLog(hub: ExchangeHub, exchangeId: string) {
  const entries: Uint8Array[] = [];
  for (let index = 0; index < hub.hub.size; index++) entries.push(await hub.hub.reader.entry(index));
  const record = Registry.replay(entries).state.exchange(exchangeId);
  if (record === undefined) throw new Error(`exchange ${exchangeId} is not in the replayed log`);
  return exchangeView(record);
}

describe('document exchange over HTTP', () => {
  let hub: ExchangeHub;

  beforeAll(async () => {
    hub = await startExchangeHub();
  });
  afterAll(async () => {
    await hub.close();
  });

  it('pull flow statuses from the log', async () => {
    const { answer, exchangeId, pdf, sha256 } = await hub.sendDocument('UZ', 'KG');
    expect(answer.status).toBe(201);
    expect(answer.body.exchange.status).toBe('pending');
    expect(answer.body.exchange.documentSha256).toBe(sha256);
    expect(answer.body.register.index + 1).toBe(answer.body.send.index);
    expect(hub.exchanges.service.store.has(sha256)).toBe(true);

    const inbox = await hub.signed(hub.authority.KG, 'GET', '/v1/inbox');
    expect(inbox.status).toBe(200);
    expect(inbox.body.exchanges.map((e: { exchangeId: string }) => e.exchangeId)).toContain(exchangeId);

    const download = await hub.signed(hub.authority.KG, 'GET', `/v1/exchanges/${exchangeId}/document`);
    expect(download.status).toBe(200);
    expect(Buffer.from(download.bytes).equals(Buffer.from(pdf))).toBe(true);
    expect(download.headers.get('ecert-document-sha256')).toBe(sha256);
    const deliveredIndex = Number(download.headers.get('ecert-delivery-index'));
    expect((await viewFromLog(hub, exchangeId)).status).toBe('delivered');

    const again = await hub.signed(hub.authority.KG, 'GET', `/v1/exchanges/${exchangeId}/document`);
    expect(Number(again.headers.get('ecert-delivery-index'))).toBe(deliveredIndex);

    const ack = hub.envelope(hub.authority.KG, 'exchange.receive', { exchangeId, acknowledgement: 'positive' });
    const acked = await hub.signed(hub.authority.KG, 'POST', `/v1/exchanges/${exchangeId}/ack`, Buffer.from(JSON.stringify(ack)), { 'content-type': 'application/json' });
    expect(acked.status).toBe(200);

    const view = await viewFromLog(hub, exchangeId);
    expect(view.status).toBe('acknowledged');
    expect(view.acknowledgement).toBe('positive');
    expect(view.deliveredIndex).toBe(deliveredIndex);
    expect(view.steps.map((step) => step.kind)).toEqual(['exchange.send', 'exchange.deliver', 'exchange.receive']);
    const open = await hub.signed(hub.authority.KG, 'GET', '/v1/inbox?status=open');
    expect(open.body.exchanges.map((e: { exchangeId: string }) => e.exchangeId)).not.toContain(exchangeId);
  });

  it('when an inbox is paged, the pages cover every exchange once', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await hub.sendDocument('KG', 'AZ')).exchangeId);
    const seen: string[] = [];
    let after: number | undefined;
    for (let page = 0; page < 10; page++) {
      const query = after === undefined ? '?status=all&limit=2' : `?status=all&limit=2&after=${after}`;
      const answer = await hub.signed(hub.authority.AZ, 'GET', `/v1/inbox${query}`);
      expect(answer.status).toBe(200);
      expect(answer.body.exchanges.length).toBeLessThanOrEqual(2);
      seen.push(...answer.body.exchanges.map((e: { exchangeId: string }) => e.exchangeId));
      if (answer.body.next === undefined) break;
      after = answer.body.next;
    }
    for (const id of ids) expect(seen.filter((seenId) => seenId === id)).toHaveLength(1);
    const tooMany = await hub.signed(hub.authority.AZ, 'GET', '/v1/inbox?limit=1001');
    expect(tooMany.body.error.code).toBe('invalid_parameter');
  });

  it('when a retry repeats an upload, it returns the same entries', async () => {
    const pdf = makePdf();
    const first = await hub.sendDocument('AZ', 'UZ', { pdf, exchangeId: 'retry-1' });
    expect(first.answer.status).toBe(201);
    const size = hub.hub.size;
    // The same envelopes cannot be re-signed by sendDocument, so post the stored request again.
    const sendEntry = first.answer.body.send.index;
    const registerEntry = first.answer.body.register.index;
    const parts = [
      { name: 'register', value: JSON.stringify(await entryEnvelope(hub, registerEntry)), type: 'application/json' },
      { name: 'send', value: JSON.stringify(await entryEnvelope(hub, sendEntry)), type: 'application/json' },
      { name: 'document', value: pdf, type: 'application/pdf', filename: 'd.pdf' },
    ];
    const { body, contentType } = await multipartBody(parts);
    const retry = await hub.signed(hub.authority.AZ, 'POST', '/v1/exchanges', body, { 'content-type': contentType });
    expect(retry.status).toBe(200);
    expect(retry.body.send.index).toBe(sendEntry);
    expect(hub.hub.size).toBe(size);
  });

  it('negative ack, query and resend', async () => {
    const first = await hub.sendDocument('UZ', 'KG');
    await hub.signed(hub.authority.KG, 'GET', `/v1/exchanges/${first.exchangeId}/document`);
    const query = hub.envelope(hub.authority.KG, 'exchange.exception', { exchangeId: first.exchangeId, reason: 'query', text: 'Annex B is missing.' });
    const queried = await postJson(hub, hub.authority.KG, `/v1/exchanges/${first.exchangeId}/exceptions`, query);
    expect(queried.status).toBe(200);
    const negative = hub.envelope(hub.authority.KG, 'exchange.receive', { exchangeId: first.exchangeId, acknowledgement: 'negative', reason: 'annex missing' });
    expect((await postJson(hub, hub.authority.KG, `/v1/exchanges/${first.exchangeId}/ack`, negative)).status).toBe(200);

    const second = await hub.sendDocument('UZ', 'KG', { reference: first.exchangeId });
    expect(second.answer.status).toBe(201);
    const resend = hub.envelope(hub.authority.UZ, 'exchange.exception', { exchangeId: first.exchangeId, reason: 'resend', text: `resent as ${second.exchangeId}` });
    expect((await postJson(hub, hub.authority.UZ, `/v1/exchanges/${first.exchangeId}/exceptions`, resend)).status).toBe(200);

    const firstView = await viewFromLog(hub, first.exchangeId);
    expect(firstView.acknowledgement).toBe('negative');
    expect(firstView.reason).toBe('annex missing');
    expect(firstView.exceptions.map((e) => e.reason)).toEqual(['query', 'resend']);
    const secondView = await viewFromLog(hub, second.exchangeId);
    expect(secondView.header.reference).toBe(first.exchangeId);
    expect(secondView.status).toBe('pending');
  });

  it('when the sender withdraws, the PDF is gone with 410', async () => {
    const { exchangeId } = await hub.sendDocument('UZ', 'AZ');
    const withdraw = hub.envelope(hub.authority.UZ, 'exchange.exception', { exchangeId, reason: 'withdrawn', text: 'issued in error' });
    expect((await postJson(hub, hub.authority.UZ, `/v1/exchanges/${exchangeId}/exceptions`, withdraw)).status).toBe(200);
    const download = await hub.signed(hub.authority.AZ, 'GET', `/v1/exchanges/${exchangeId}/document`);
    expect(download.status).toBe(410);
    expect(download.body.error.code).toBe('exchange_withdrawn');
    expect((await viewFromLog(hub, exchangeId)).status).toBe('withdrawn');
  });

  it('when the receiver withdraws, the rules reject it', async () => {
    const { exchangeId } = await hub.sendDocument('UZ', 'AZ');
    const withdraw = hub.envelope(hub.authority.AZ, 'exchange.exception', { exchangeId, reason: 'withdrawn', text: 'not mine to withdraw' });
    const answer = await postJson(hub, hub.authority.AZ, `/v1/exchanges/${exchangeId}/exceptions`, withdraw);
    expect(answer.body.error.code).toBe('not_sender');
  });

  it('when an exchange is read by a third country, it is refused', async () => {
    const { exchangeId } = await hub.sendDocument('UZ', 'KG');
    const view = await hub.signed(hub.authority.AZ, 'GET', `/v1/exchanges/${exchangeId}`);
    expect(view.status).toBe(403);
    expect(view.body.error.code).toBe('not_party');
    const download = await hub.signed(hub.authority.AZ, 'GET', `/v1/exchanges/${exchangeId}/document`);
    expect(download.body.error.code).toBe('not_receiver');
    const sender = await hub.signed(hub.authority.UZ, 'GET', `/v1/exchanges/${exchangeId}/document`);
    expect(sender.body.error.code).toBe('not_receiver');
  });

  it('when an acknowledgement comes before the download, it is refused', async () => {
    const { exchangeId } = await hub.sendDocument('UZ', 'KG');
    const ack = hub.envelope(hub.authority.KG, 'exchange.receive', { exchangeId, acknowledgement: 'positive' });
    const answer = await postJson(hub, hub.authority.KG, `/v1/exchanges/${exchangeId}/ack`, ack);
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('not_delivered');
  });

  it('when hub exchange entries come through POST /v1/entries, they are refused', async () => {
    const pdf = makePdf();
    const sha256 = sha256Hex(pdf);
    const send = hub.envelope(hub.authority.UZ, 'exchange.send', { exchangeId: 'direct-1', documentSha256: sha256, from: 'UZ', to: 'KG', channel: 'hub', header: { subject: 'x' } });
    const response = await fetch(`${hub.baseUrl}/v1/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(send) });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('use_exchange_endpoint');
  });

  describe('refusals log and store nothing', () => {
    async function expectRefused(run: () => Promise<{ status: number; body: any }>, status: number, code: string): Promise<void> {
      const size = hub.hub.size;
      const stored = hub.exchanges.service.store.list().length;
      const answer = await run();
      expect(answer.body?.error?.code).toBe(code);
      expect(answer.status).toBe(status);
      expect(hub.hub.size).toBe(size);
      expect(hub.exchanges.service.store.list().length).toBe(stored);
      await uploadsSettled(hub);
      expect(hub.exchanges.service.store.usedBytes).toBe(hub.exchanges.service.store.list().reduce((sum, f) => sum + f.size, 0));
    }

    it('an upload to a country that is not a participant', async () => {
      const { documentBodyFor } = await import('./exchange-harness.js');
      await expectRefused(async () => {
        const pdf = makePdf();
        const sha256 = sha256Hex(pdf);
        const key = hub.authority.UZ;
        const { body, contentType } = await multipartBody([
          { name: 'register', value: JSON.stringify(hub.envelope(key, 'document.register', documentBodyFor('UZ', sha256))), type: 'application/json' },
          { name: 'send', value: JSON.stringify(hub.envelope(key, 'exchange.send', { exchangeId: 'nowhere-1', documentSha256: sha256, from: 'UZ', to: 'XX', channel: 'hub', header: { subject: 'x' } })), type: 'application/json' },
          { name: 'document', value: pdf, type: 'application/pdf', filename: 'd.pdf' },
        ]);
        return hub.signed(key, 'POST', '/v1/exchanges', body, { 'content-type': contentType });
      }, 422, 'unknown_country');
    });

    it("a sender forwarding another country's stored PDF", async () => {
      const original = await hub.sendDocument('UZ', 'KG');
      expect(original.answer.status).toBe(201);
      await expectRefused(async () => {
        const key = hub.authority.AZ;
        const send = hub.envelope(key, 'exchange.send', { exchangeId: 'forward-1', documentSha256: original.sha256, from: 'AZ', to: 'KG', channel: 'hub', header: { subject: 'x' } });
        const { body, contentType } = await multipartBody([{ name: 'send', value: JSON.stringify(send), type: 'application/json' }]);
        return hub.signed(key, 'POST', '/v1/exchanges', body, { 'content-type': contentType });
      }, 403, 'wrong_country');
    });

    it('an upload whose body differs from its Content-Digest', async () => {
      await expectRefused(async () => {
        const pdf = makePdf(256 * 1024);
        const sha256 = sha256Hex(pdf);
        const key = hub.authority.UZ;
        const { documentBodyFor } = await import('./exchange-harness.js');
        const { body, contentType } = await multipartBody([
          { name: 'register', value: JSON.stringify(hub.envelope(key, 'document.register', documentBodyFor('UZ', sha256))), type: 'application/json' },
          { name: 'send', value: JSON.stringify(hub.envelope(key, 'exchange.send', { exchangeId: 'digest-1', documentSha256: sha256, from: 'UZ', to: 'KG', channel: 'hub', header: { subject: 'x' } })), type: 'application/json' },
          { name: 'document', value: pdf, type: 'application/pdf', filename: 'd.pdf' },
        ]);
        const url = new URL('/v1/exchanges', hub.baseUrl);
        const headers = await signRequest({ method: 'POST', url, headers: { 'content-type': contentType }, body: new Uint8Array(0) }, key, hubTime(hub));
        const response = await fetch(url, { method: 'POST', headers, body: Buffer.from(body) });
        return { status: response.status, body: await response.json() };
      }, 400, 'content_digest_mismatch');
      expect(readdirSync(path.join(hub.dir, 'exchanges', 'documents')).filter((name) => name.endsWith('.part'))).toEqual([]);
    });

    it('an upload the client abandons halfway', async () => {
      const size = hub.hub.size;
      const pdf = makePdf(2 * 1024 * 1024);
      const { body, contentType } = await multipartBody([{ name: 'document', value: pdf, type: 'application/pdf', filename: 'd.pdf' }]);
      const url = new URL('/v1/exchanges', hub.baseUrl);
      const headers = await signRequest({ method: 'POST', url, headers: { 'content-type': contentType }, body }, hub.authority.UZ, hubTime(hub));
      const partial = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } });
      partial.on('error', () => undefined);
      partial.write(Buffer.from(body.subarray(0, body.length / 2)));
      await waitFor(() => hub.exchanges.service.store.uploadsInProgress === 1);
      partial.destroy();
      await uploadsSettled(hub);
      expect(hub.exchanges.service.store.uploadsInProgress).toBe(0);
      expect(hub.hub.size).toBe(size);
    });

    it('a PDF whose hash differs from the registered one', async () => {
      await expectRefused(async () => {
        const pdf = makePdf();
        const other = makePdf();
        const sha256 = sha256Hex(pdf);
        const key = hub.authority.UZ;
        const { body, contentType } = await multipartBody([
          { name: 'register', value: JSON.stringify(hub.envelope(key, 'document.register', (await import('./exchange-harness.js')).documentBodyFor('UZ', sha256))), type: 'application/json' },
          { name: 'send', value: JSON.stringify(hub.envelope(key, 'exchange.send', { exchangeId: 'mismatch-1', documentSha256: sha256, from: 'UZ', to: 'KG', channel: 'hub', header: { subject: 'x' } })), type: 'application/json' },
          { name: 'document', value: other, type: 'application/pdf', filename: 'd.pdf' },
        ]);
        return hub.signed(key, 'POST', '/v1/exchanges', body, { 'content-type': contentType });
      }, 422, 'document_hash_mismatch');
    });

    it('an unsigned request', async () => {
      await expectRefused(async () => {
        const { body, contentType } = await multipartBody([{ name: 'document', value: makePdf(), type: 'application/pdf' }]);
        const response = await fetch(`${hub.baseUrl}/v1/exchanges`, { method: 'POST', headers: { 'content-type': contentType }, body: Buffer.from(body) });
        return { status: response.status, body: await response.json() };
      }, 401, 'signature_missing');
    });

    it('a badly signed request', async () => {
      await expectRefused(async () => {
        const url = `${hub.baseUrl}/v1/inbox`;
        const headers = await signRequest({ method: 'GET', url }, hub.authority.KG, hubTime(hub));
        const signature = headers['signature']!;
        headers['signature'] = signature.replace(/:([A-Za-z0-9+/])/, (_, c: string) => `:${c === 'A' ? 'B' : 'A'}`);
        const response = await fetch(url, { headers });
        return { status: response.status, body: await response.json() };
      }, 401, 'signature_invalid');
    });

    it('a replayed request', async () => {
      const url = `${hub.baseUrl}/v1/inbox`;
      const headers = await signRequest({ method: 'GET', url }, hub.authority.KG, hubTime(hub));
      expect((await fetch(url, { headers })).status).toBe(200);
      await expectRefused(async () => {
        const response = await fetch(url, { headers });
        return { status: response.status, body: await response.json() };
      }, 401, 'signature_replayed');
    });

    it('a body that differs from its Content-Digest', async () => {
      await expectRefused(async () => {
        const url = `${hub.baseUrl}/v1/exchanges/none/ack`;
        const headers = await signRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') }, hub.authority.KG, hubTime(hub));
        const response = await fetch(url, { method: 'POST', headers, body: '{"a":1}' });
        return { status: response.status, body: await response.json() };
      }, 400, 'content_digest_mismatch');
    });

    it('a sender acting for another country', async () => {
      await expectRefused(async () => (await hub.sendDocument('UZ', 'KG', { requestKey: hub.authority.AZ })).answer, 403, 'actor_mismatch');
    });

    it('a sender registering another country\'s document', async () => {
      await expectRefused(async () => {
        const pdf = makePdf();
        const sha256 = sha256Hex(pdf);
        const key = hub.authority.AZ;
        const { documentBodyFor } = await import('./exchange-harness.js');
        const { body, contentType } = await multipartBody([
          { name: 'register', value: JSON.stringify(hub.envelope(key, 'document.register', documentBodyFor('UZ', sha256))), type: 'application/json' },
          { name: 'send', value: JSON.stringify(hub.envelope(key, 'exchange.send', { exchangeId: 'foreign-1', documentSha256: sha256, from: 'UZ', to: 'KG', channel: 'hub', header: { subject: 'x' } })), type: 'application/json' },
          { name: 'document', value: pdf, type: 'application/pdf', filename: 'd.pdf' },
        ]);
        return hub.signed(key, 'POST', '/v1/exchanges', body, { 'content-type': contentType });
      }, 403, 'wrong_country');
    });

    it("a receiver reading another country's inbox", async () => {
      await expectRefused(() => hub.signed(hub.authority.UZ, 'GET', '/v1/inbox?country=KG'), 403, 'not_your_inbox');
    });
  });
});

describe('document exchange limits', () => {
  let hub: ExchangeHub;

  beforeAll(async () => {
    hub = await startExchangeHub({ maxDocumentBytes: 64 * 1024, storageQuotaBytes: 100 * 1024 });
  });
  afterAll(async () => {
    await hub.close();
  });

  it('when a PDF passes the size limit, it answers 413 and keeps nothing', async () => {
    const size = hub.hub.size;
    const { answer } = await hub.sendDocument('UZ', 'KG', { pdf: makePdf(64 * 1024 + 1) });
    expect(answer.body.error.code).toBe('document_too_large');
    expect(answer.status).toBe(413);
    expect(hub.hub.size).toBe(size);
    expect(hub.exchanges.service.store.list()).toEqual([]);
  });

  it('when the body passes the request limit, it answers 413 at once', async () => {
    const size = hub.hub.size;
    const { answer } = await hub.sendDocument('UZ', 'KG', { pdf: makePdf(400 * 1024) });
    expect(answer.body.error.code).toBe('document_too_large');
    expect(answer.status).toBe(413);
    expect(hub.hub.size).toBe(size);
    await uploadsSettled(hub);
    expect(hub.exchanges.service.store.usedBytes).toBe(0);
  });

  it('when the quota is full, it answers 507 and keeps nothing more', async () => {
    expect((await hub.sendDocument('UZ', 'KG', { pdf: makePdf(60 * 1024) })).answer.status).toBe(201);
    const size = hub.hub.size;
    const { answer } = await hub.sendDocument('UZ', 'KG', { pdf: makePdf(60 * 1024) });
    expect(answer.body.error.code).toBe('storage_full');
    expect(answer.status).toBe(507);
    expect(hub.hub.size).toBe(size);
    expect(hub.exchanges.service.store.list()).toHaveLength(1);
  });
});

describe('retention', () => {
  let hub: ExchangeHub;

  beforeAll(async () => {
    hub = await startExchangeHub();
  });
  afterAll(async () => {
    await hub.close();
  });

  it('purges after acknowledgement plus retention, fails and purges uncollected ones, and answers 410', async () => {
    const acknowledged = await hub.sendDocument('UZ', 'KG');
    const uncollected = await hub.sendDocument('UZ', 'KG');
    await hub.signed(hub.authority.KG, 'GET', `/v1/exchanges/${acknowledged.exchangeId}/document`);
    const ack = hub.envelope(hub.authority.KG, 'exchange.receive', { exchangeId: acknowledged.exchangeId, acknowledgement: 'positive' });
    expect((await postJson(hub, hub.authority.KG, `/v1/exchanges/${acknowledged.exchangeId}/ack`, ack)).status).toBe(200);

    hub.clock.offsetMs = 13 * DAY_MS;
    expect((await hub.exchanges.sweeper.sweep()).purged).toEqual([]);

    hub.clock.offsetMs = 14 * DAY_MS + 60_000;
    const first = await hub.exchanges.sweeper.sweep();
    expect(first.purged.map((p) => [p.exchangeId, p.reason])).toEqual([[acknowledged.exchangeId, 'acknowledged']]);
    expect(hub.exchanges.service.store.has(acknowledged.sha256)).toBe(false);
    const purgedDownload = await hub.signed(hub.authority.KG, 'GET', `/v1/exchanges/${acknowledged.exchangeId}/document`);
    expect(purgedDownload.status).toBe(410);
    expect(purgedDownload.body.error.code).toBe('document_purged');

    hub.clock.offsetMs = 30 * DAY_MS + 60_000;
    const second = await hub.exchanges.sweeper.sweep();
    expect(second.failedDeliveries).toEqual([uncollected.exchangeId]);
    expect(second.purged.map((p) => [p.exchangeId, p.reason])).toEqual([[uncollected.exchangeId, 'not-collected']]);

    const view = await viewFromLog(hub, uncollected.exchangeId);
    expect(view.status).toBe('failed');
    expect(view.purged).toBe(true);
    expect(view.documentSha256).toBe(uncollected.sha256);
    expect(view.steps.map((step) => step.kind)).toEqual(['exchange.send', 'exchange.deliver', 'exchange.purge']);
    expect((await viewFromLog(hub, acknowledged.exchangeId)).steps.map((s) => s.kind)).toEqual([
      'exchange.send',
      'exchange.deliver',
      'exchange.receive',
      'exchange.purge',
    ]);
    expect(hub.exchanges.service.store.list()).toEqual([]);
  });
});

describe('push delivery', () => {
  let hub: ExchangeHub;
  let server: Server;
  let received: { headers: IncomingMessage['headers']; body: Buffer; path: string }[] = [];
  let failuresLeft = 0;

  beforeAll(async () => {
    hub = await startExchangeHub();
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (failuresLeft > 0) {
          failuresLeft--;
          response.writeHead(503).end();
          return;
        }
        received.push({ headers: request.headers, body: Buffer.concat(chunks), path: request.url ?? '' });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await hub.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('push signed by the operator', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/inbox`;
    const set = await hub.signed(hub.authority.KG, 'PUT', '/v1/inbox/webhook', Buffer.from(JSON.stringify({ url })), { 'content-type': 'application/json' });
    expect(set.status).toBe(200);
    received = [];
    failuresLeft = 1;
    const { exchangeId, pdf } = await hub.sendDocument('UZ', 'KG');
    await hub.exchanges.pusher.idle();

    expect(received).toHaveLength(1);
    expect(received[0]!.body.equals(Buffer.from(pdf))).toBe(true);
    expect(received[0]!.headers['ecert-exchange-id']).toBe(exchangeId);
    expect(new URL(received[0]!.path, 'http://x').searchParams.get('ecert-exchange')).toBe(exchangeId);
    const operator = readKey(hub.dir, 'operator');
    const verifier = new RequestVerifier({
      startedAt: 0,
      lookup: (actor, keyId) => (actor === 'operator' && keyId === operator.keyId ? { status: 'active', publicKey: hub.hub.registry.state.actorAt('operator')!.key.publicKey, roles: [] } : undefined),
    });
    const { signer } = await verifier.verify({ method: 'POST', pathAndQuery: received[0]!.path, headers: received[0]!.headers });
    expect(signer.actor).toBe('operator');

    const view = await viewFromLog(hub, exchangeId);
    expect(view.status).toBe('delivered');
    expect(view.attempts).toBe(2);
  });

  it('failed push, then pull', async () => {
    failuresLeft = 1000;
    const { exchangeId } = await hub.sendDocument('UZ', 'KG');
    await hub.exchanges.pusher.idle();
    const failed = await viewFromLog(hub, exchangeId);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(3);

    failuresLeft = 0;
    const download = await hub.signed(hub.authority.KG, 'GET', `/v1/exchanges/${exchangeId}/document`);
    expect(download.status).toBe(200);
    expect((await viewFromLog(hub, exchangeId)).status).toBe('delivered');
  });
});

/** Waits until `condition` holds, for at most five seconds. */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Waits until no upload is in progress: requests release theirs after the response is sent. */
async function uploadsSettled(hub: ExchangeHub): Promise<void> {
  await waitFor(() => hub.exchanges.service.store.uploadsInProgress === 0);
}

/** Signature options that date a request by the hub's clock. */
function hubTime(hub: ExchangeHub): { created: number } {
  return { created: Math.floor(hub.clock.now() / 1000) };
}

async function postJson(hub: ExchangeHub, key: Parameters<ExchangeHub['signed']>[0], target: string, value: unknown) {
  return hub.signed(key, 'POST', target, Buffer.from(JSON.stringify(value)), { 'content-type': 'application/json' });
}

async function entryEnvelope(hub: ExchangeHub, index: number): Promise<unknown> {
  const stored = JSON.parse(Buffer.from(await hub.hub.reader.entry(index)).toString('utf8')) as Record<string, unknown>;
  delete stored['loggedAt'];
  return stored;
}
