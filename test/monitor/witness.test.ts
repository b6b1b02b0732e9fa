import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { parseCheckpoint } from '../../ledger/checkpoint.js';
import { sha256 } from '../../ledger/hash.js';
import {
  cosignatureTimestamp,
  generatePrivateKey,
  noteVerifier,
  openNote,
  parseNote,
  parseVerifierKey,
  SIG_TYPE_COSIGNATURE,
  verifierKeyOf,
  type PrivateKey,
} from '../../ledger/note.js';
import { formatAddCheckpointRequest } from '../../monitor/witness-request.js';
import { buildWitnessServer } from '../../monitor/witness-server.js';
import { WitnessStateStore } from '../../monitor/witness-state.js';
import { Witness } from '../../monitor/witness.js';
import { TestLog } from './witness-log.js';

const ORIGIN = 'example.test/log';
const NOW = 1_800_000_000;

let dir: string;
let witnessKey: PrivateKey;
let log: TestLog;
let store: WitnessStateStore;
let app: FastifyInstance;

async function startWitness(): Promise<void> {
  store = await WitnessStateStore.open(path.join(dir, 'state'));
  const witness = new Witness({ store, key: witnessKey, logs: [parseVerifierKey(log.vkey)], clock: () => NOW });
  app = await buildWitnessServer(witness, { logger: false });
}

async function stopWitness(): Promise<void> {
  await app.close();
  await store.close();
}

function post(body: string, contentType: string | undefined = 'text/plain') {
  const headers = contentType === undefined ? {} : { 'content-type': contentType };
  return app.inject({ method: 'POST', url: '/add-checkpoint', headers, payload: body });
}

function monitoringPath(origin: string): string {
  return `/${createHash('sha256').update(origin).digest('hex')}/checkpoint`;
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecert-witness-'));
  witnessKey = generatePrivateKey('witness:UZ', SIG_TYPE_COSIGNATURE);
  log = new TestLog(ORIGIN, 40);
  await startWitness();
});

afterEach(async () => {
  await stopWitness();
  rmSync(dir, { recursive: true, force: true });
});

describe('witness add-checkpoint', () => {
  it('fresh witness cosigns old 0', async () => {
    const response = await post(log.request(0, 10));
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/^— witness:UZ [A-Za-z0-9+/]{102}==\n$/);

    const cosigned = log.checkpoint(10) + response.body;
    const { verified } = openNote(cosigned, [noteVerifier(verifierKeyOf(witnessKey))]);
    expect(verified).toHaveLength(1);
    expect(cosignatureTimestamp(verified[0]!.signature)).toBe(NOW);
  });

  it('witness with state: old 0 gets 409', async () => {
    expect((await post(log.request(0, 10))).statusCode).toBe(200);
    const response = await post(log.request(0, 20));
    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toBe('text/x.tlog.size');
    expect(response.body).toBe('10\n');
  });

  it('cosigns a consistent checkpoint from its stored size', async () => {
    await post(log.request(0, 7));
    const response = await post(log.request(7, 33));
    expect(response.statusCode).toBe(200);
    const cosigned = log.checkpoint(33) + response.body;
    expect(() => openNote(cosigned, [noteVerifier(verifierKeyOf(witnessKey))])).not.toThrow();
  });

  it('cosigns the stored size again with an empty proof', async () => {
    await post(log.request(0, 16));
    expect((await post(log.request(16, 16))).statusCode).toBe(200);
  });

  it('answers a stale old size with 409 and the stored size', async () => {
    await post(log.request(0, 5));
    await post(log.request(5, 12));
    const response = await post(log.request(5, 20));
    expect(response.statusCode).toBe(409);
    expect(response.body).toBe('12\n');
  });

  it('rejects a consistency proof that fails with 422', async () => {
    await post(log.request(0, 5));
    const proof = log.proof(5, 20);
    proof[0] = sha256(Buffer.from('not a node'));
    const response = await post(formatAddCheckpointRequest({ oldSize: 5, proof, note: log.checkpoint(20) }));
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatch(/consistency proof from size 5 to 20 failed/);
    expect(await store.read(ORIGIN)).toMatchObject({ size: 5 });
  });

  it('rejects a forked tree, 422', async () => {
    await post(log.request(0, 5));
    const fork = new TestLog(ORIGIN, 20, 'forked entry');
    const note = log.checkpoint(20, { root: fork.root(20) });
    const response = await post(formatAddCheckpointRequest({ oldSize: 5, proof: fork.proof(5, 20), note }));
    expect(response.statusCode).toBe(422);
  });

  it('rejects the stored size with another root, 422', async () => {
    await post(log.request(0, 8));
    const note = log.checkpoint(8, { root: sha256(Buffer.from('other root')) });
    const response = await post(formatAddCheckpointRequest({ oldSize: 8, proof: [], note }));
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatch(/different root/);
  });

  it('rejects old 0 with a non-empty proof, 422', async () => {
    const note = log.checkpoint(8);
    const response = await post(formatAddCheckpointRequest({ oldSize: 0, proof: [log.root(4)], note }));
    expect(response.statusCode).toBe(422);
  });

  it('rejects a size-0 checkpoint with a wrong root, 422', async () => {
    const note = log.checkpoint(0, { root: sha256(Buffer.from('not empty')) });
    const response = await post(formatAddCheckpointRequest({ oldSize: 0, proof: [], note }));
    expect(response.statusCode).toBe(422);
    expect(response.body).toMatch(/empty-tree root/);
  });

  it('rejects a checkpoint signed by an unknown key of the same name, 403', async () => {
    const impostor = generatePrivateKey(ORIGIN);
    const response = await post(formatAddCheckpointRequest({ oldSize: 0, proof: [], note: log.checkpoint(3, { signer: impostor }) }));
    expect(response.statusCode).toBe(403);
  });

  it('rejects a log signature that does not verify, 403', async () => {
    const note = log.checkpoint(3);
    const { text, signatures } = parseNote(note);
    const bytes = Buffer.alloc(4 + 64);
    bytes.writeUInt32BE(signatures[0]!.keyId);
    const forged = `${text}\n— ${ORIGIN} ${bytes.toString('base64')}\n`;
    const response = await post(formatAddCheckpointRequest({ oldSize: 0, proof: [], note: forged }));
    expect(response.statusCode).toBe(403);
  });

  it('rejects an unknown origin, 404', async () => {
    const other = new TestLog('other.test/log', 4);
    const response = await post(other.request(0, 4));
    expect(response.statusCode).toBe(404);
  });

  it('rejects old above the checkpoint size, 400', async () => {
    const response = await post(formatAddCheckpointRequest({ oldSize: 9, proof: [], note: log.checkpoint(4) }));
    expect(response.statusCode).toBe(400);
  });

  it('checks the origin before the signature and the signature before old', async () => {
    const impostor = generatePrivateKey(ORIGIN);
    const forged = log.checkpoint(4, { signer: impostor });
    expect((await post(formatAddCheckpointRequest({ oldSize: 9, proof: [], note: forged }))).statusCode).toBe(403);
    const other = new TestLog('other.test/log', 4);
    const unknown = other.checkpoint(4);
    expect((await post(formatAddCheckpointRequest({ oldSize: 9, proof: [], note: unknown }))).statusCode).toBe(404);
  });

  it.each([
    ['no old line', 'new 0\n\nx'],
    ['no empty line', 'old 0\n'],
    ['a leading zero', 'old 01\n\n'],
    ['a bad proof line', 'old 0\nnot-base64\n\n'],
    ['64 proof lines', `old 0\n${'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'.repeat(64)}\n`],
  ])('rejects a body with %s, 400', async (_case, body) => {
    const response = await post(body + log.checkpoint(3));
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('rejects a body over the size limit, 413', async () => {
    const response = await post(`old 0\n\n${'x'.repeat(300 * 1024)}`);
    expect(response.statusCode).toBe(413);
  });

  it('accepts a request without a content type', async () => {
    expect((await post(log.request(0, 2), undefined)).statusCode).toBe(200);
  });
});

describe('witness state', () => {
  it('concurrent requests never move the stored size back', async () => {
    await post(log.request(0, 1));
    const sizes: number[] = [];
    // Every request claims old 1, so at most one of each round can win; losers get 409.
    for (let round = 0; round < 5; round++) {
      const stored = (await store.read(ORIGIN))!.size;
      const targets = Array.from({ length: 12 }, (_, i) => Math.min(40, stored + 1 + ((i * 7 + round) % 15)));
      const responses = await Promise.all(targets.map((size) => post(log.request(stored, size))));
      const statuses = new Set(responses.map((r) => r.statusCode));
      expect([...statuses].every((s) => s === 200 || s === 409)).toBe(true);
      expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1);
      sizes.push((await store.read(ORIGIN))!.size);
    }
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThanOrEqual(sizes[i - 1]!);
  });

  it('mixed old sizes in flight keep the stored size growing', async () => {
    await post(log.request(0, 1));
    const observed: number[] = [];
    const watcher = (async () => {
      for (let i = 0; i < 30; i++) observed.push((await store.read(ORIGIN))!.size);
    })();
    // Requests of many (old, size) pairs, in flight together: each succeeds only from the size
    // stored at that moment.
    const requests = Array.from({ length: 40 }, (_, i) => post(log.request(1 + (i % 20), Math.min(40, 2 + i))));
    await Promise.all([...requests, watcher]);
    observed.push((await store.read(ORIGIN))!.size);
    for (let i = 1; i < observed.length; i++) expect(observed[i]).toBeGreaterThanOrEqual(observed[i - 1]!);
  });

  it('store rejects a smaller size', async () => {
    await post(log.request(0, 10));
    const smaller = { origin: ORIGIN, size: 9, rootHash: log.root(9), note: log.checkpoint(9) };
    await expect(store.update(ORIGIN, () => smaller)).rejects.toMatchObject({ code: 'size_regression' });
    expect((await store.read(ORIGIN))?.size).toBe(10);
  });

  it('serves the latest cosigned checkpoint at the monitoring endpoint', async () => {
    expect((await app.inject({ method: 'GET', url: monitoringPath(ORIGIN) })).statusCode).toBe(404);
    await post(log.request(0, 9));
    const response = await app.inject({ method: 'GET', url: monitoringPath(ORIGIN) });
    expect(response.statusCode).toBe(200);
    const verified = openNote(response.body, [noteVerifier(log.vkey), noteVerifier(verifierKeyOf(witnessKey))]).verified;
    expect(verified.map((s) => s.name).sort()).toEqual([ORIGIN, 'witness:UZ']);
    expect(parseCheckpoint(parseNote(response.body).text).size).toBe(9);
  });

  it('keeps its state across a restart', async () => {
    await post(log.request(0, 11));
    await stopWitness();
    await startWitness();
    const response = await post(log.request(0, 20));
    expect(response.statusCode).toBe(409);
    expect(response.body).toBe('11\n');
    expect((await app.inject({ method: 'GET', url: monitoringPath(ORIGIN) })).statusCode).toBe(200);
  });
});
