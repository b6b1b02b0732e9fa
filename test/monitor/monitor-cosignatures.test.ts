/**
 * The monitor checks the cosignature of every witness its replayed registry holds: a line whose
 * name and key ID match a registered witness must verify (c2sp.org/signed-note), and lines of
 * unknown keys are ignored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import type { Hub } from '../../api/hub.js';
import { generatePrivateKey, noteSigner, parseNote, SIG_TYPE_COSIGNATURE, signNote, verifierKeyOf, type PrivateKey } from '../../ledger/note.js';
import { signEnvelope } from '../../registry/envelope.js';
import { buildLog, devKey, EntryFactory, openMonitor, startInProcessHub, submitAll } from './monitor-fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `ecert-monitor-${prefix}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Logs `witness.add` for `witness:KG` and the two registrar approvals the development genesis needs. */
async function registerWitness(hub: Hub, dataDir: string): Promise<PrivateKey> {
  const witness = devKey(dataDir, 'witness:KG');
  const body = { name: 'witness:KG', key: verifierKeyOf(witness), witnessQuorum: 1 };
  const request = await hub.submit(signEnvelope({ kind: 'witness.add', body: body as never, actor: 'operator' }, devKey(dataDir, 'operator')));
  for (const registrar of ['registrar:UZ', 'registrar:AZ']) {
    const approval = { requestIndex: request.index, requestKind: 'witness.add' };
    await hub.submit(signEnvelope({ kind: 'registrar.approve', body: approval as never, actor: registrar }, devKey(dataDir, registrar)));
  }
  return witness;
}

/** Returns the cosignature line of `key` over the hub's latest checkpoint, optionally with one signature byte flipped. */
function cosignatureLine(hub: Hub, key: PrivateKey, tamper: boolean): string {
  const { text } = parseNote(hub.latestCheckpoint!.note);
  const note = signNote(text, [noteSigner(key)]);
  const line = note.slice(text.length + 1, -1);
  if (!tamper) return line;
  const space = line.lastIndexOf(' ');
  const bytes = Buffer.from(line.slice(space + 1), 'base64');
  bytes[bytes.length - 1] ^= 1;
  return `${line.slice(0, space + 1)}${bytes.toString('base64')}`;
}

/** Starts a hub whose log registers witness:KG and a monitor that replayed it, then logs one more document. */
async function watchedHubWithWitness() {
  const dataDir = tempDir('cosign');
  await buildLog(dataDir, 2);
  const running = await startInProcessHub(dataDir);
  cleanups.push(() => running.close());
  const witness = await registerWitness(running.hub, dataDir);
  const { monitor, sink } = await openMonitor(dataDir, running.url, tempDir('state'));
  cleanups.push(() => monitor.close());
  expect((await monitor.poll()).alarms).toEqual([]);
  await submitAll(running.hub, new EntryFactory(dataDir, 'more').documents(1));
  return { hub: running.hub, monitor, sink, witness };
}

describe('monitor cosignature checks', () => {
  it('when a registered witness cosignature does not verify, it raises bad_signature', async () => {
    const { hub, monitor, witness } = await watchedHubWithWitness();
    const size = hub.latestCheckpoint!.size;
    await hub.storeCosignatures(size, [cosignatureLine(hub, witness, true)]);

    const result = await monitor.poll();

    expect(result.alarms.map((alarm) => alarm.code)).toEqual(['bad_signature']);
    expect(result.alarms[0]!.evidence.errorCode).toBe('invalid_signature');
    expect(result.alarms[0]!.message).toContain('witness:KG+');
    expect(result.alarms[0]!.evidence.witnessKeys).toEqual([`witness:KG+${witness.keyId.toString(16).padStart(8, '0')}`]);
    // The rejected checkpoint is not accepted.
    expect(result.size).toBeLessThan(size);
  });

  it('when a registered witness cosignature verifies, it accepts the checkpoint', async () => {
    const { hub, monitor, witness } = await watchedHubWithWitness();
    const size = hub.latestCheckpoint!.size;
    await hub.storeCosignatures(size, [cosignatureLine(hub, witness, false)]);

    const result = await monitor.poll();

    expect(result.alarms).toEqual([]);
    expect(result.size).toBe(size);
  });

  it('when a cosignature comes from an unknown key, it is ignored', async () => {
    const { hub, monitor } = await watchedHubWithWitness();
    const size = hub.latestCheckpoint!.size;
    // Same name as the registered witness, another key, so another key ID; and an unknown name.
    const sameName = generatePrivateKey('witness:KG', SIG_TYPE_COSIGNATURE);
    const stranger = generatePrivateKey('witness:ZZ', SIG_TYPE_COSIGNATURE);
    await hub.storeCosignatures(size, [cosignatureLine(hub, sameName, true), cosignatureLine(hub, stranger, true)]);

    const result = await monitor.poll();

    expect(result.alarms).toEqual([]);
    expect(result.size).toBe(size);
  });
});
