/**
 * RegistryReplay with signatures verified on worker threads: the same outcome as inline replay.
 * The pool runs the compiled worker from dist/, so the suite builds first.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { RegistryReplay } from '../../monitor/monitor-replay.js';
import { prepareBatch, WorkerKeyTable } from '../../monitor/replay-signatures.js';
import { VerifyPool } from '../../monitor/verify-pool.js';
import { encodeLeaf, type SignedEnvelope } from '../../registry/envelope.js';
import { ensureBuilt } from '../helpers/hub-process.js';
import { documentBody, TestLog } from '../registry/fixture.js';

const WORKER_URL = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/monitor/monitor-verify-worker.js'));

/** Returns the leaves of a log: genesis, an authority, a CAB, then `documents` registrations. */
function buildLeaves(documents: number): { log: TestLog; leaves: Uint8Array[] } {
  const log = new TestLog();
  const leaves: Uint8Array[] = [];
  const add = (envelope: SignedEnvelope): void => {
    leaves.push(encodeLeaf(envelope, log.now));
    const result = log.submitEnvelope(envelope);
    if ('code' in result) throw new Error(`fixture entry rejected: ${result.code}`);
  };
  add(log.sign('log.genesis', log.genesisBody(), 'operator'));
  add(log.sign('actor.register', { actor: 'authority:UZ', roles: ['sender', 'receiver'], key: log.vkey('authority:UZ') }, 'registrar:UZ'));
  add(log.sign('cab.register', { code: 'UZ-UZAC-0042', name: 'CAB', type: 'certification-body', status: 'active', effectiveAt: '2026-01-01T00:00:00.000Z' }, 'registrar:UZ'));
  for (let i = 0; i < documents; i++) {
    add(log.sign('document.register', documentBody(i.toString(16).padStart(64, '0')), 'authority:UZ'));
  }
  return { log, leaves };
}

describe('RegistryReplay with a VerifyPool', () => {
  let pool: VerifyPool;

  beforeAll(() => {
    ensureBuilt();
    pool = new VerifyPool({ threads: 2, workerUrl: WORKER_URL });
  }, 300_000);

  afterAll(async () => {
    await pool?.close();
  });

  it('replays a valid log to the end', async () => {
    const { leaves } = buildLeaves(150);
    const replay = new RegistryReplay(pool);
    const outcome = await replay.appendAll(leaves);
    expect(outcome.failure).toBeUndefined();
    expect(outcome.appended).toBe(leaves.length);
    expect(replay.size).toBe(leaves.length);
  });

  it('halts at a forged signature like inline replay', async () => {
    const { leaves } = buildLeaves(100);
    const forgedIndex = 90;
    const forged = JSON.parse(Buffer.from(leaves[forgedIndex]!).toString('utf8')) as SignedEnvelope & { loggedAt: number };
    const forgedBody = { ...(forged.body as object), number: 'CC-forged' };
    leaves[forgedIndex] = encodeLeaf({ ...forged, body: forgedBody } as SignedEnvelope, forged.loggedAt);

    const pooled = new RegistryReplay(pool);
    const outcome = await pooled.appendAll(leaves);
    expect(outcome.appended).toBe(forgedIndex);
    expect(outcome.failure?.code).toBe('invalid_actor_signature');
    expect(outcome.failure?.evidence.ruleCode).toBe('invalid_signature');
    expect(pooled.size).toBe(forgedIndex);

    const inline = new RegistryReplay();
    const inlineOutcome = await inline.appendAll(leaves);
    expect(inlineOutcome.appended).toBe(forgedIndex);
    expect(inlineOutcome.failure?.message).toBe(outcome.failure?.message);
  });

  it('halts at an undecodable entry', async () => {
    const { leaves } = buildLeaves(10);
    leaves[5] = new TextEncoder().encode('{"not":"an envelope"}');
    const outcome = await new RegistryReplay(pool).appendAll(leaves);
    expect(outcome.appended).toBe(5);
    expect(outcome.failure?.code).toBe('rule_violation');
    expect(outcome.failure?.evidence.ruleCode).toBe('invalid_envelope');
  });
});

describe('RegistryReplay with keys at the workers', () => {
  let pool: VerifyPool;

  beforeAll(() => {
    ensureBuilt();
    pool = new VerifyPool({ threads: 2, workerUrl: WORKER_URL });
  }, 300_000);

  afterAll(async () => {
    await pool?.close();
  });

  it('workers verify once the signer is replayed', async () => {
    const { leaves } = buildLeaves(70);
    const replay = new RegistryReplay(pool);
    // The setup entries teach the key table authority:UZ, which signs every document after them.
    expect((await replay.appendAll(leaves.slice(0, 3))).failure).toBeUndefined();
    const keys = new WorkerKeyTable(pool);
    keys.track(replay.registry.state, 'authority:UZ');
    const batch = await prepareBatch(pool, keys, leaves.slice(3));
    expect(batch.results.size).toBe(70);
    expect(batch.envelopes.every((envelope) => envelope?.actor === 'authority:UZ')).toBe(true);
    // bindSigningMessage freezes each envelope it binds the worker's signing message to.
    expect(batch.envelopes.every((envelope) => Object.isFrozen(envelope))).toBe(true);

    const outcome = await replay.appendPrepared(replay.prepare(leaves.slice(3)));
    expect(outcome.failure).toBeUndefined();
    expect(replay.size).toBe(leaves.length);
  });

  it('halts at a forged signature the workers checked', async () => {
    const { leaves } = buildLeaves(100);
    const forgedIndex = 90;
    const forged = JSON.parse(Buffer.from(leaves[forgedIndex]!).toString('utf8')) as SignedEnvelope & { loggedAt: number };
    leaves[forgedIndex] = encodeLeaf({ ...forged, body: { ...(forged.body as object), number: 'CC-forged' } } as SignedEnvelope, forged.loggedAt);

    const replay = new RegistryReplay(pool);
    expect((await replay.appendAll(leaves.slice(0, 3))).failure).toBeUndefined();
    const keys = new WorkerKeyTable(pool);
    keys.track(replay.registry.state, 'authority:UZ');
    const batch = await prepareBatch(pool, keys, leaves.slice(forgedIndex, forgedIndex + 1));
    const envelope = batch.envelopes[0]!;
    expect(envelope.body).toMatchObject({ number: 'CC-forged' });
    expect(batch.results.size).toBe(1);

    const outcome = await replay.appendPrepared(replay.prepare(leaves.slice(3)));
    expect(outcome.appended).toBe(forgedIndex - 3);
    expect(outcome.failure?.code).toBe('invalid_actor_signature');
    expect(replay.size).toBe(forgedIndex);
  });

  it('revoked signer is dropped from the key table', async () => {
    const { log, leaves } = buildLeaves(2);
    const replay = new RegistryReplay(pool);
    expect((await replay.appendAll(leaves)).failure).toBeUndefined();
    const keys = new WorkerKeyTable(pool);
    keys.track(replay.registry.state, 'authority:UZ');
    const revoke = encodeLeaf(log.sign('actor.revoke', { actor: 'authority:UZ', reason: 'key compromise' } as never, 'registrar:UZ'), log.now);
    const revoked = await replay.appendAll([revoke]);
    expect(revoked.failure).toBeUndefined();
    expect(replay.registry.state.actorAt('authority:UZ')?.status).toBe('revoked');
    keys.track(replay.registry.state, 'authority:UZ');
    const batch = await prepareBatch(pool, keys, leaves.slice(3));
    expect(batch.results.size).toBe(0);
  });
});
