/**
 * The signature pool runs the compiled worker from dist/, so the suite builds first.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ed25519Verify, generatePrivateKey } from '../../ledger/note.js';
import { decodeBase64 } from '../../registry/encoding.js';
import { signingMessage } from '../../registry/envelope.js';
import { MAX_BATCH_CHECKS, VerifyPool, VerifyPoolError, type SignatureCheck } from '../../monitor/verify-pool.js';
import { ensureBuilt } from '../helpers/hub-process.js';
import { documentBody, SHA_A, SHA_B, startedLog } from '../registry/fixture.js';

const WORKER_URL = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/monitor/monitor-verify-worker.js'));

/** Valid and invalid checks over real signing messages: tampered message, signature, key, and sizes. */
function mixedChecks(): SignatureCheck[] {
  const log = startedLog();
  const publicKey = log.registry.state.actorAt('authority:UZ')!.key.publicKey;
  const checks: SignatureCheck[] = [];
  for (let i = 0; i < 40; i++) {
    const envelope = log.sign('document.register', documentBody(i % 2 === 0 ? SHA_A : SHA_B), 'authority:UZ');
    const message = signingMessage(envelope);
    const signature = decodeBase64(envelope.sig, 'sig');
    checks.push({ message, signature, publicKey });
    const tamperedMessage = Uint8Array.from(message);
    tamperedMessage[message.length - 2] = (tamperedMessage[message.length - 2]! + 1) % 256;
    checks.push({ message: tamperedMessage, signature, publicKey });
    const tamperedSignature = Uint8Array.from(signature);
    tamperedSignature[i % 64] = (tamperedSignature[i % 64]! + 1) % 256;
    checks.push({ message, signature: tamperedSignature, publicKey });
    checks.push({ message, signature, publicKey: generatePrivateKey('authority:UZ').publicKey });
  }
  checks.push({ message: new Uint8Array(0), signature: new Uint8Array(63), publicKey });
  checks.push({ message: new Uint8Array(10), signature: new Uint8Array(64), publicKey: new Uint8Array(31) });
  return checks;
}

describe('VerifyPool', () => {
  let pool: VerifyPool;

  beforeAll(() => {
    ensureBuilt();
    pool = new VerifyPool({ threads: 2, workerUrl: WORKER_URL });
  }, 300_000);

  afterAll(async () => {
    await pool?.close();
  });

  it('matches inline verification in order', async () => {
    const checks = mixedChecks();
    const expected = checks.map((check) => ed25519Verify(check.publicKey, check.message, check.signature));
    const results = await pool.verify(checks);
    expect(results).toEqual(expected);
    expect(expected.filter(Boolean)).toHaveLength(40);
    expect(results.filter((valid) => !valid)).toHaveLength(checks.length - 40);
  });

  it('handles batches smaller than the pool', async () => {
    const [valid, invalid] = mixedChecks();
    expect(await pool.verify([valid!])).toEqual([true]);
    expect(await pool.verify([invalid!])).toEqual([false]);
    expect(await pool.verify([])).toEqual([]);
  });

  it('rejects an oversized batch', async () => {
    const check = mixedChecks()[0]!;
    const checks = Array.from({ length: MAX_BATCH_CHECKS + 1 }, () => check);
    const error = await pool.verify(checks).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VerifyPoolError);
    expect((error as VerifyPoolError).code).toBe('batch_too_large');
  });

  it('rejects use after close', async () => {
    const closing = new VerifyPool({ threads: 1, workerUrl: WORKER_URL });
    await closing.close();
    const error = await closing.verify(mixedChecks().slice(0, 1)).catch((caught: unknown) => caught);
    expect((error as VerifyPoolError).code).toBe('pool_closed');
  });

  it('rejects a missing worker script', () => {
    const missing = pathToFileURL(path.resolve(import.meta.dirname, 'no-such-worker.js'));
    expect(() => new VerifyPool({ threads: 1, workerUrl: missing })).toThrow(expect.objectContaining({ code: 'worker_missing' }));
    expect(() => new VerifyPool({ threads: 0, workerUrl: WORKER_URL })).toThrow(expect.objectContaining({ code: 'invalid_threads' }));
  });
});
