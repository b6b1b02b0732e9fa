/**
 * End to end on 127.0.0.1: a hub whose genesis lists three witnesses with quorum 2 pushes its
 * checkpoints to three real witness servers and serves the cosignatures they return.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { writeLogFiles } from '../../api/data-dir.js';
import { Hub } from '../../api/hub.js';
import { buildServer } from '../../api/server.js';
import { parseWitnessUrl, WitnessPusher } from '../../api/witness-push.js';
import { parseCheckpoint } from '../../ledger/checkpoint.js';
import {
  generatePrivateKey,
  noteVerifier,
  openNote,
  parseNote,
  parseVerifierKey,
  SIG_TYPE_COSIGNATURE,
  verifierKeyOf,
  type PrivateKey,
} from '../../ledger/note.js';
import { buildWitnessServer } from '../../monitor/witness-server.js';
import { WitnessStateStore } from '../../monitor/witness-state.js';
import { Witness } from '../../monitor/witness.js';
import { signEnvelope } from '../../registry/envelope.js';
import type { GenesisBody } from '../../registry/kinds/log.js';

const ORIGIN = 'witness-push.localhost/test';
const COUNTRIES = ['UZ', 'KG', 'TJ'] as const;

interface RunningWitness {
  key: PrivateKey;
  store: WitnessStateStore;
  app: FastifyInstance;
  url: string;
}

let dir: string;
let registrar: PrivateKey;
let witnesses: RunningWitness[];
let hub: Hub;
let hubApp: FastifyInstance;
let hubUrl: string;
let pusher: WitnessPusher;
let cabNumber = 0;

async function startWitness(key: PrivateKey, logVkey: string, stateDir: string): Promise<RunningWitness> {
  const store = await WitnessStateStore.open(stateDir);
  const app = await buildWitnessServer(new Witness({ store, key, logs: [parseVerifierKey(logVkey)] }), { logger: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { key, store, app, url };
}

async function submitCab(): Promise<number> {
  cabNumber++;
  const code = `UZ-UZAC-${String(cabNumber).padStart(4, '0')}`;
  const body = { code, name: `Test body ${code}`, type: 'certification-body', status: 'active', effectiveAt: '2026-01-01T00:00:00.000Z' };
  const envelope = signEnvelope({ kind: 'cab.register', body, actor: 'registrar:UZ' } as never, registrar);
  const response = await fetch(`${hubUrl}/v1/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(envelope),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { index: number }).index;
}

/** Polls GET /v1/checkpoints/witnessed until it returns a checkpoint of at least `size`. */
async function witnessedCheckpoint(size: number): Promise<string> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const response = await fetch(`${hubUrl}/v1/checkpoints/witnessed`);
    if (response.status === 200) {
      const note = await response.text();
      if (parseCheckpoint(parseNote(note).text).size >= size) return note;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no witnessed checkpoint of size ${size} or more after 600 polls`);
}

function verifiedWitnesses(note: string, candidates: readonly RunningWitness[]): string[] {
  return candidates
    .filter((witness) => {
      try {
        openNote(note, [noteVerifier(verifierKeyOf(witness.key))]);
        return true;
      } catch {
        return false;
      }
    })
    .map((witness) => witness.key.name);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecert-witness-push-'));
  const dataDir = path.join(dir, 'hub');
  const operator = generatePrivateKey('operator');
  const registrars = COUNTRIES.map((country) => generatePrivateKey(`registrar:${country}`));
  registrar = registrars[0]!;
  const witnessKeys = COUNTRIES.map((country) => generatePrivateKey(`witness:${country}`, SIG_TYPE_COSIGNATURE));
  const body: GenesisBody = {
    origin: ORIGIN,
    operator: verifierKeyOf(operator),
    participants: COUNTRIES.map((country, i) => ({ country, registrar: verifierKeyOf(registrars[i]!) })),
    witnesses: witnessKeys.map((key) => ({ name: key.name, key: verifierKeyOf(key) })),
    witnessQuorum: 2,
    recoveryQuorum: 2,
  };
  const logKey = generatePrivateKey(ORIGIN);
  writeLogFiles(dataDir, logKey, signEnvelope({ kind: 'log.genesis', body, actor: 'operator' }, operator));

  witnesses = await Promise.all(witnessKeys.map((key, i) => startWitness(key, verifierKeyOf(logKey), path.join(dir, `witness-${i}`))));
  hub = await Hub.open({ dataDir, batchInterval: 5 });
  hubApp = await buildServer(hub, { logger: false });
  hubUrl = await hubApp.listen({ host: '127.0.0.1', port: 0 });
  pusher = new WitnessPusher(hub, {
    urls: witnesses.map((w) => w.url),
    timeoutMs: 2000,
    minBackoffMs: 20,
    maxBackoffMs: 200,
    pollIntervalMs: 10,
  });
  pusher.start();
});

afterAll(async () => {
  await pusher?.close();
  await hubApp?.close();
  await hub?.close();
  for (const witness of witnesses ?? []) {
    await witness.app.close();
    await witness.store.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('witness push', () => {
  it('witnessed checkpoint meets quorum 2', async () => {
    let last = 0;
    for (let i = 0; i < 5; i++) last = await submitCab();
    const note = await witnessedCheckpoint(last + 1);
    expect(() => openNote(note, [noteVerifier(hub.vkey)])).not.toThrow();
    expect(verifiedWitnesses(note, witnesses).length).toBeGreaterThanOrEqual(2);
  });

  it('stores each witness cosignature once per checkpoint', async () => {
    const note = await witnessedCheckpoint(hub.size);
    const size = parseCheckpoint(parseNote(note).text).size;
    const lines = await hub.reader.cosignatures(size);
    const names = lines.map((line) => line.split(' ')[1]);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((name) => name!.startsWith('witness:'))).toBe(true);
  });

  it('stopped witness blocks no submission', async () => {
    const stopped = witnesses[2]!;
    await stopped.app.close();
    let last = 0;
    for (let i = 0; i < 5; i++) last = await submitCab();
    const note = await witnessedCheckpoint(last + 1);
    const signers = verifiedWitnesses(note, witnesses);
    expect(signers).toHaveLength(2);
    expect(signers).not.toContain(stopped.key.name);
  });

  it('restarted witness cosigns again', async () => {
    const witness = witnesses[2]!;
    const url = new URL(witness.url);
    const app = await buildWitnessServer(
      new Witness({ store: witness.store, key: witness.key, logs: [parseVerifierKey(hub.vkey)] }),
      { logger: false },
    );
    await app.listen({ host: '127.0.0.1', port: Number(url.port) });
    witnesses[2] = { ...witness, app };
    const last = await submitCab();
    for (let attempt = 0; attempt < 600; attempt++) {
      const stored = await witness.store.read(ORIGIN);
      if (stored !== undefined && stored.size > last) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await witness.store.read(ORIGIN))?.size).toBeGreaterThan(last);
  });
});

describe('witness push verification', () => {
  it('drops a cosignature under an unregistered key', async () => {
    // Same name as a registered witness, another key: its key ID differs, so it must not count.
    const impostor = await startWitness(
      generatePrivateKey('witness:UZ', SIG_TYPE_COSIGNATURE),
      hub.vkey,
      path.join(dir, 'witness-impostor'),
    );
    const logLines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
    const impostorPusher = new WitnessPusher(hub, { urls: [impostor.url], logger, minBackoffMs: 20, pollIntervalMs: 10 });
    impostorPusher.start();
    try {
      await submitCab();
      for (let attempt = 0; attempt < 600 && !logLines.some((line) => line.includes('no_registered_cosignature')); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(logLines.filter((line) => line.includes('"level":40'))).toHaveLength(1);
      expect(logLines.some((line) => line.includes('no_registered_cosignature'))).toBe(true);
      expect((await impostor.store.read(ORIGIN))?.size).toBeGreaterThan(0);

      const impostorId = verifierKeyOf(impostor.key).split('+')[1]!;
      for (const checkpoint of await hub.reader.listCheckpoints(1, hub.size)) {
        for (const line of await hub.reader.cosignatures(checkpoint.size)) {
          const keyId = Buffer.from(line.split(' ')[2]!, 'base64').subarray(0, 4).toString('hex');
          expect(keyId).not.toBe(impostorId);
        }
      }
    } finally {
      await impostorPusher.close();
      await impostor.app.close();
      await impostor.store.close();
    }
  });
});

describe('parseWitnessUrl', () => {
  it.each(['http://127.0.0.1:8081', 'https://witness.example/prefix/'])('accepts %s', (url) => {
    expect(parseWitnessUrl(url)).not.toMatch(/\/$/);
  });

  it.each(['ftp://witness.example', 'not a url', 'http://witness.example/?a=1', 'http://witness.example/#x'])('rejects %s', (url) => {
    expect(() => parseWitnessUrl(url)).toThrow(expect.objectContaining({ code: 'invalid_witness_url' }));
  });
});
