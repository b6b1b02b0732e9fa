/**
 * Hostile and malformed requests against a real hub over HTTP: each is rejected with a 4xx and
 * its own stable code, and the tree does not grow. Also duplicate submissions, which must get
 * the existing receipt back, including after the freshness window has passed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createDevelopmentSetup } from '../../api/data-dir.js';
import { Hub } from '../../api/hub.js';
import { buildServer } from '../../api/server.js';
import type { SequencerClock } from '../../ledger/sequencer.js';
import { readDevKey, readDevVkey, signTestEnvelope, type TestEnvelope, type TestKey } from '../helpers/envelopes.js';
import { ensureBuilt, makeTempDir, startHub, type HubProcess } from '../helpers/hub-process.js';
import { cabCode, cabRegisterBody, documentBody, postEntry, request, submitOk, type ErrorBody } from '../helpers/records.js';

const MINUTE = 60_000;

let temp: ReturnType<typeof makeTempDir>;
let hub: HubProcess;
let dataDir: string;
let registrarUZ: TestKey;
let registrarKG: TestKey;
let nextCab = 1;

/** A valid, new `cab.register` by registrar:UZ. */
function newCabEnvelope(options: Parameters<typeof signTestEnvelope>[3] = {}): TestEnvelope {
  return signTestEnvelope('cab.register', cabRegisterBody(cabCode('UZ', nextCab++)), registrarUZ, options);
}

async function treeSize(): Promise<number> {
  return (await request(`${hub.url}/v1/log`)).body.size as number;
}

/** Sends a request that must be rejected, and checks its status, code and that the tree did not grow. */
async function expectRejected(send: () => Promise<{ status: number; body: unknown }>, status: number, code: string): Promise<void> {
  const before = await treeSize();
  const answer = await send();
  expect(answer.status).toBe(status);
  expect((answer.body as ErrorBody).error.code).toBe(code);
  expect(typeof (answer.body as ErrorBody).error.message).toBe('string');
  expect(await treeSize()).toBe(before);
}

beforeAll(async () => {
  ensureBuilt();
  temp = makeTempDir('bad-input');
  dataDir = path.join(temp.dir, 'data');
  hub = await startHub(dataDir, { args: ['--batch-interval', '5'] });
  registrarUZ = readDevKey(dataDir, 'registrar:UZ');
  registrarKG = readDevKey(dataDir, 'registrar:KG');
  // One logged entry beyond the genesis, so some requests can aim just past the tree.
  await submitOk(hub.url, newCabEnvelope());
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  temp?.remove();
});

describe('submissions the hub rejects', () => {
  it('malformed JSON', async () => {
    await expectRejected(() => postEntry(hub.url, '{"v":1,"kind":'), 400, 'invalid_json');
  });

  it('unknown envelope field', async () => {
    const envelope = { ...newCabEnvelope(), extra: true };
    await expectRejected(() => postEntry(hub.url, JSON.stringify(envelope)), 400, 'invalid_envelope');
  });

  it('missing envelope field', async () => {
    const { nonce: _nonce, ...envelope } = newCabEnvelope();
    await expectRejected(() => postEntry(hub.url, JSON.stringify(envelope)), 400, 'invalid_envelope');
  });

  it('unknown body field', async () => {
    const body = { ...(cabRegisterBody(cabCode('UZ', nextCab++)) as object), rating: 'A' };
    await expectRejected(() => postEntry(hub.url, signTestEnvelope('cab.register', body, registrarUZ)), 400, 'invalid_body');
  });

  it('missing body field', async () => {
    const { name: _name, ...body } = cabRegisterBody(cabCode('UZ', nextCab++)) as { name: string };
    await expectRejected(() => postEntry(hub.url, signTestEnvelope('cab.register', body, registrarUZ)), 400, 'invalid_body');
  });

  it('wrong body field type', async () => {
    const body = { ...(cabRegisterBody(cabCode('UZ', nextCab++)) as object), name: 42 };
    await expectRejected(() => postEntry(hub.url, signTestEnvelope('cab.register', body, registrarUZ)), 400, 'invalid_body');
  });

  it('wrong envelope field type', async () => {
    const envelope = { ...newCabEnvelope(), v: '1' };
    await expectRejected(() => postEntry(hub.url, JSON.stringify(envelope)), 400, 'unsupported_version');
  });

  it('bad signature', async () => {
    const envelope = newCabEnvelope();
    const sig = Buffer.from(envelope.sig, 'base64');
    sig[10] = sig[10]! ^ 0x01;
    await expectRejected(() => postEntry(hub.url, { ...envelope, sig: sig.toString('base64') }), 401, 'invalid_signature');
  });

  it('signature over another body', async () => {
    const envelope = newCabEnvelope();
    const tampered = { ...envelope, body: cabRegisterBody(cabCode('UZ', nextCab++)) };
    await expectRejected(() => postEntry(hub.url, tampered), 401, 'invalid_signature');
  });

  it('unknown actor', async () => {
    // The development setup makes the authorities' keys but logs no actor.register for them.
    const authority = readDevKey(dataDir, 'authority:UZ');
    const envelope = signTestEnvelope('document.register', documentBody(cabCode('UZ', 1), 'unknown actor'), authority);
    await expectRejected(() => postEntry(hub.url, envelope), 401, 'unknown_actor');
  });

  it('signer of the wrong class for the kind', async () => {
    const authority = readDevKey(dataDir, 'authority:UZ');
    const envelope = signTestEnvelope('cab.register', cabRegisterBody(cabCode('UZ', nextCab++)), authority);
    await expectRejected(() => postEntry(hub.url, envelope), 403, 'wrong_signer');
  });

  it("keyId that is not the actor's key", async () => {
    // Signed by registrar:KG's key but in the name of registrar:UZ.
    const envelope = signTestEnvelope('cab.register', cabRegisterBody(cabCode('UZ', nextCab++)), registrarKG, {
      actor: 'registrar:UZ',
    });
    await expectRejected(() => postEntry(hub.url, envelope), 401, 'key_mismatch');
  });

  it('replayed nonce in another envelope', async () => {
    const first = newCabEnvelope();
    await submitOk(hub.url, first);
    const replay = newCabEnvelope({ nonce: first.nonce });
    await expectRejected(() => postEntry(hub.url, replay), 409, 'replayed_nonce');
  });

  it('signedAt 10 minutes old', async () => {
    const envelope = newCabEnvelope({ signedAtMs: Date.now() - 10 * MINUTE });
    await expectRejected(() => postEntry(hub.url, envelope), 400, 'stale_signature');
  });

  it('signedAt 10 minutes ahead', async () => {
    const envelope = newCabEnvelope({ signedAtMs: Date.now() + 10 * MINUTE });
    await expectRejected(() => postEntry(hub.url, envelope), 400, 'stale_signature');
  });

  it('integer above 2^53 in a body', async () => {
    const envelope = signTestEnvelope('registrar.approve', { requestIndex: 1, requestKind: 'registrar.recover' }, registrarUZ);
    const text = JSON.stringify(envelope).replace('"requestIndex":1', '"requestIndex":9007199254740993');
    expect(text).toContain('9007199254740993');
    await expectRejected(() => postEntry(hub.url, text), 400, 'unsafe_integer');
  });

  it("registrar registering another country's CAB", async () => {
    const envelope = signTestEnvelope('cab.register', cabRegisterBody(cabCode('KG', 900)), registrarUZ);
    await expectRejected(() => postEntry(hub.url, envelope), 403, 'wrong_country');
  });

  it('body over the size limit', async () => {
    const envelope = { ...newCabEnvelope(), padding: 'x'.repeat(100_000) };
    await expectRejected(() => postEntry(hub.url, JSON.stringify(envelope)), 413, 'body_too_large');
  });

  it('wrong content type', async () => {
    const text = JSON.stringify(newCabEnvelope());
    await expectRejected(() => postEntry(hub.url, text, 'text/plain'), 415, 'unsupported_media_type');
  });

  it('body that is not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('{"v":1,"kind":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const send = () =>
      request(`${hub.url}/v1/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
    await expectRejected(send, 400, 'invalid_utf8');
  });

  it('compressed body', async () => {
    const send = () =>
      request(`${hub.url}/v1/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: JSON.stringify(newCabEnvelope()),
      });
    await expectRejected(send, 415, 'unsupported_media_type');
  });

  it('percent-encoded tile path', async () => {
    await expectRejected(() => request(`${hub.url}/tile/0/000%2ep%2f1`), 404, 'not_found');
  });

  it('JSON body that is not an object', async () => {
    for (const text of ['[]', 'null', '"envelope"', '42']) {
      await expectRejected(() => postEntry(hub.url, text), 400, 'invalid_envelope');
    }
  });

  it('empty body', async () => {
    await expectRejected(() => postEntry(hub.url, ''), 400, 'invalid_json');
  });
});

describe('proof and tile reads the hub rejects', () => {
  const badProofQueries: [string, number, string][] = [
    ['inclusion?index=-1', 400, 'invalid_parameter'],
    ['inclusion?index=abc', 400, 'invalid_parameter'],
    ['inclusion?index=1.5', 400, 'invalid_parameter'],
    ['inclusion?index=1&size=x', 400, 'invalid_parameter'],
    // JavaScript's Number() reads these as 0 or 1; they are not decimal counts.
    ['inclusion?index=%20', 400, 'invalid_parameter'],
    ['inclusion?index=0x1', 400, 'invalid_parameter'],
    ['inclusion?index=1e0', 400, 'invalid_parameter'],
    ['inclusion?index=01', 400, 'invalid_parameter'],
    ['inclusion?index=%2B1', 400, 'invalid_parameter'],
    ['inclusion?index=1&index=0', 400, 'invalid_parameter'],
    ['inclusion?index=9007199254740992', 400, 'invalid_parameter'],
    ['consistency?from=0x1', 400, 'invalid_parameter'],
    ['inclusion', 400, 'invalid_parameter'],
    ['inclusion?index=0&leafHash=' + encodeURIComponent(Buffer.alloc(32).toString('base64')), 400, 'invalid_parameter'],
    ['inclusion?leafHash=notbase64', 400, 'invalid_parameter'],
    ['inclusion?index=0&color=red', 400, 'invalid_parameter'],
    ['inclusion?index=1000000', 404, 'not_found'],
    ['inclusion?index=0&size=1000000', 404, 'not_found'],
    ['inclusion?index=0&size=99999999999999999999', 400, 'invalid_parameter'],
    ['inclusion?leafHash=' + encodeURIComponent(Buffer.alloc(32).toString('base64')), 404, 'not_found'],
    ['consistency?from=-1', 400, 'invalid_parameter'],
    ['consistency?from=abc', 400, 'invalid_parameter'],
    ['consistency', 400, 'invalid_parameter'],
    ['consistency?from=1&to=1000000', 404, 'not_found'],
    ['consistency?from=1000000', 400, 'invalid_parameter'],
  ];
  for (const [query, status, code] of badProofQueries) {
    it(`proof query ${query}`, async () => {
      await expectRejected(() => request(`${hub.url}/v1/proofs/${query}`), status, code);
    });
  }

  it('inclusion proof at the tree size', async () => {
    const size = await treeSize();
    await expectRejected(() => request(`${hub.url}/v1/proofs/inclusion?index=${size}`), 404, 'not_found');
  });

  const badTilePaths = [
    'tile/0/abc',
    'tile/0/001',
    'tile/0/000',
    'tile/0/000.p/0',
    'tile/0/000.p/256',
    'tile/0/000.p/300',
    'tile/0/000.p/100',
    'tile/1/000.p/1',
    'tile/9/000',
    'tile/64/000.p/1',
    'tile/0/x001/000',
    'tile/0/1',
    'tile/entries/001',
    'tile/entries/000.p/0',
    'tile/entries/000.p/100',
    'tile/entries/abc',
    'tile/-1/000',
    'tile/',
  ];
  for (const tilePath of badTilePaths) {
    it(`tile path ${tilePath}`, async () => {
      await expectRejected(() => request(`${hub.url}/${tilePath}`), 404, 'not_found');
    });
  }

  it('entry index that is not decimal', async () => {
    await expectRejected(() => request(`${hub.url}/v1/entries/0x1`), 400, 'invalid_parameter');
    await expectRejected(() => request(`${hub.url}/v1/entries/%20`), 400, 'invalid_parameter');
  });

  it('unknown route', async () => {
    await expectRejected(() => request(`${hub.url}/v2/entries`), 404, 'route_not_found');
  });
});

describe('duplicate submissions', () => {
  it('same envelope twice returns the same entry', async () => {
    const envelope = newCabEnvelope();
    const first = await submitOk(hub.url, envelope);
    const size = await treeSize();
    const second = await submitOk(hub.url, envelope);
    expect(second.index).toBe(first.index);
    expect(second.leafHash).toBe(first.leafHash);
    expect(await treeSize()).toBe(size);
  });

  it('concurrent copies of one envelope share one entry', async () => {
    const envelope = newCabEnvelope();
    const size = await treeSize();
    const answers = await Promise.all(Array.from({ length: 8 }, () => submitOk(hub.url, envelope)));
    expect(new Set(answers.map((answer) => answer.index)).size).toBe(1);
    expect(new Set(answers.map((answer) => answer.leafHash)).size).toBe(1);
    expect(await treeSize()).toBe(size + 1);
  });

  it('logged genesis resubmitted returns entry 0', async () => {
    const genesis = readFileSync(path.join(dataDir, 'genesis.json'), 'utf8');
    const size = await treeSize();
    const answer = await postEntry(hub.url, genesis);
    expect(answer.status).toBe(200);
    expect(answer.body.index).toBe(0);
    const entry0 = await request(`${hub.url}/v1/entries/0`);
    expect(answer.body.leafHash).toBe(entry0.body.leafHash);
    expect(await treeSize()).toBe(size);
  });
});

describe('duplicate after the freshness window', () => {
  let inProcess: { url: string; close: () => Promise<void> } | undefined;
  let offsetMs = 0;
  let localDir: ReturnType<typeof makeTempDir>;

  beforeAll(async () => {
    localDir = makeTempDir('dedup-clock');
    createDevelopmentSetup(localDir.dir);
    // The hub's clock runs ahead of the test's by offsetMs; timers stay real.
    const clock: SequencerClock = {
      now: () => Date.now() + offsetMs,
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
    const local = await Hub.open({ dataDir: localDir.dir, batchInterval: 5, clock });
    const app = await buildServer(local, { logger: false });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    inProcess = {
      url,
      close: async () => {
        await app.close();
        await local.close();
      },
    };
  });

  afterAll(async () => {
    await inProcess?.close();
    localDir?.remove();
  });

  it('returns the logged receipt 10 minutes later', async () => {
    const url = inProcess!.url;
    const registrar = readDevKey(localDir.dir, 'registrar:UZ');
    const envelope = signTestEnvelope('cab.register', cabRegisterBody(cabCode('UZ', 1)), registrar);
    const first = await submitOk(url, envelope);

    offsetMs = 10 * MINUTE;
    // The hub's time really moved: an envelope signed now by the test's clock is stale to it.
    const late = signTestEnvelope('cab.register', cabRegisterBody(cabCode('UZ', 2)), registrar);
    const stale = await postEntry(url, late);
    expect(stale.status).toBe(400);
    expect(stale.body.error.code).toBe('stale_signature');

    const retry = await postEntry(url, envelope);
    expect(retry.status).toBe(200);
    expect(retry.body.index).toBe(first.index);
    expect(retry.body.leafHash).toBe(first.leafHash);
    expect((await request(`${url}/v1/log`)).body.size).toBe(first.index + 1);
  });

  it('an authority key works once registered', async () => {
    // Control for the unknown_actor case above: the same kind of key is accepted after actor.register.
    const url = inProcess!.url;
    offsetMs = 0;
    const registrar = readDevKey(localDir.dir, 'registrar:UZ');
    const register = signTestEnvelope(
      'actor.register',
      { actor: 'authority:UZ', roles: ['sender'], key: readDevVkey(localDir.dir, 'authority:UZ') },
      registrar,
    );
    await submitOk(url, register);
  });
});
