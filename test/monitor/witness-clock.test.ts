/**
 * A witness whose clock returns 0: cosignature/v1 timestamps are the POSIX time of signing
 * (c2sp.org/tlog-cosignature), so it must not cosign, and it must not store the checkpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { generatePrivateKey, parseVerifierKey, SIG_TYPE_COSIGNATURE } from '../../ledger/note.js';
import { buildWitnessServer } from '../../monitor/witness-server.js';
import { WitnessStateStore } from '../../monitor/witness-state.js';
import { Witness } from '../../monitor/witness.js';
import { TestLog } from './witness-log.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

describe('witness clock', () => {
  it('when the clock returns 0, it responds 500 and stores nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecert-witness-clock-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = await WitnessStateStore.open(path.join(dir, 'state'));
    cleanups.push(() => store.close());
    const log = new TestLog('example.test/log', 10);
    const key = generatePrivateKey('witness:UZ', SIG_TYPE_COSIGNATURE);
    let now = 0;
    const witness = new Witness({ store, key, logs: [parseVerifierKey(log.vkey)], clock: () => now });
    const app = await buildWitnessServer(witness, { logger: false });
    cleanups.push(() => app.close());
    const post = (body: string) => app.inject({ method: 'POST', url: '/add-checkpoint', headers: { 'content-type': 'text/plain' }, payload: body });

    await expect(witness.addCheckpoint(log.request(0, 5))).rejects.toMatchObject({ status: 500, code: 'invalid_clock' });
    const response = await post(log.request(0, 5));
    expect(response.statusCode).toBe(500);
    expect(await store.read('example.test/log')).toBeUndefined();

    // Once the clock is right, old 0 still matches the stored state: nothing was stored.
    now = 1_800_000_000;
    expect((await post(log.request(0, 5))).statusCode).toBe(200);
  });
});
