import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { decodeBundle, encodeBundle } from '../../ledger/bundle.js';
import { hashLeaf } from '../../ledger/hash.js';
import { openLevelStorage } from '../../ledger/level-storage.js';
import { noteSigner, parsePrivateKey } from '../../ledger/note.js';
import { openSequencer } from '../../ledger/sequencer.js';
import { decodeLeaf, encodeLeaf, signEnvelope } from '../../registry/envelope.js';
import { cabCode, documentBody } from '../helpers/records.js';
import { buildLog, devKey, EntryFactory, openMonitor, serveStore, startInProcessHub, submitAll } from './monitor-fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `ecert-monitor-${prefix}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Rewrites entry `index` of bundle 0 and, when `fixTile`, its hash in level-0 tile 0, in a stopped hub's store. */
async function rewriteEntry(dataDir: string, index: number, entry: Uint8Array, fixTile: boolean): Promise<void> {
  const storage = await openLevelStorage(path.join(dataDir, 'ledger'));
  try {
    const entries = decodeBundle((await storage.readBundle(0))!);
    entries[index] = entry;
    const tile = new Uint8Array((await storage.readTile(0, 0))!);
    if (fixTile) tile.set(hashLeaf(entry), index * 32);
    await storage.commit({ tiles: [{ level: 0, index: 0, hashes: tile }], bundles: [{ index: 0, bundle: encodeBundle(entries) }] });
  } finally {
    await storage.close();
  }
}

async function readEntry(dataDir: string, index: number): Promise<Uint8Array> {
  const storage = await openLevelStorage(path.join(dataDir, 'ledger'));
  try {
    return decodeBundle((await storage.readBundle(0))!)[index]!;
  } finally {
    await storage.close();
  }
}

/** Appends raw leaves through the ledger sequencer, signing the checkpoint with the real log key. */
async function appendRaw(dataDir: string, leaves: readonly Uint8Array[]): Promise<void> {
  const storage = await openLevelStorage(path.join(dataDir, 'ledger'));
  try {
    const logKey = parsePrivateKey(readFileSync(path.join(dataDir, 'log.key'), 'utf8').trim());
    const sequencer = await openSequencer(storage, noteSigner(logKey), { prepare: (items: readonly Uint8Array[]) => items.map((entry) => ({ entry })) }, { batchInterval: 0 });
    await Promise.all(leaves.map((leaf) => sequencer.submit(leaf)));
    await sequencer.close();
  } finally {
    await storage.close();
  }
}

/** A document registration by authority:UZ, logged now, as leaf bytes. */
function documentLeaf(dataDir: string, seed: string, issuer = cabCode('UZ', 1), loggedAt = Date.now()): { leaf: Uint8Array; sig: string } {
  const envelope = signEnvelope({ kind: 'document.register', body: documentBody(issuer, seed) as never, actor: 'authority:UZ' }, devKey(dataDir, 'authority:UZ'));
  return { leaf: encodeLeaf(envelope, loggedAt), sig: envelope.sig };
}

async function monitorStore(dataDir: string, options = {}) {
  const served = await serveStore(path.join(dataDir, 'ledger'));
  cleanups.push(() => served.close());
  const opened = await openMonitor(dataDir, served.url, tempDir('state'), options);
  cleanups.push(() => opened.monitor.close());
  return opened;
}

describe('monitor of a tampered store', () => {
  it('when an entry is rewritten with its tile but no new checkpoint, it raises root_mismatch', async () => {
    const dataDir = tempDir('rewrite');
    await buildLog(dataDir, 20);
    // The substitute is a valid entry with the original's log time, so only the root can expose it.
    const original = await readEntry(dataDir, 10);
    await rewriteEntry(dataDir, 10, documentLeaf(dataDir, 'substitute', cabCode('UZ', 1), decodeLeaf(original).loggedAt).leaf, true);
    const { monitor } = await monitorStore(dataDir);

    const result = await monitor.poll();

    expect(result.alarms.map((alarm) => alarm.code)).toEqual(['root_mismatch']);
    const evidence = result.alarms[0]!.evidence;
    expect(evidence.size).toBe(23);
    expect(evidence.checkpointRoot).not.toBe(evidence.computedRoot);
    expect(typeof evidence.servedNote).toBe('string');
    expect(result.size).toBe(0);
  });

  it('when a tile disagrees with its bundle, it raises tile_mismatch naming the entry', async () => {
    const dataDir = tempDir('tile');
    await buildLog(dataDir, 20);
    await rewriteEntry(dataDir, 7, documentLeaf(dataDir, 'other').leaf, false);
    const { monitor } = await monitorStore(dataDir);

    const result = await monitor.poll();

    expect(result.alarms.map((alarm) => alarm.code)).toEqual(['tile_mismatch']);
    const evidence = result.alarms[0]!.evidence;
    expect(evidence.index).toBe(7);
    expect(evidence.tile).toBe('tile/0/000.p/23');
    expect(evidence.tileHash).not.toBe(evidence.entryLeafHash);
  });

  it('when an entry carries an invalid actor signature, it raises invalid_actor_signature', async () => {
    const dataDir = tempDir('bad-sig');
    await buildLog(dataDir, 20);
    const { leaf, sig } = documentLeaf(dataDir, 'forged');
    const forgedSig = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const forged = new TextEncoder().encode(new TextDecoder().decode(leaf).replace(sig, forgedSig));
    await appendRaw(dataDir, [forged]);
    const { monitor } = await monitorStore(dataDir);

    const result = await monitor.poll();

    expect(result.alarms.map((alarm) => alarm.code)).toEqual(['invalid_actor_signature']);
    const evidence = result.alarms[0]!.evidence;
    expect(evidence.index).toBe(23);
    expect(evidence.ruleCode).toBe('invalid_signature');
    expect(evidence.entry).toBe(Buffer.from(forged).toString('base64'));
    expect(typeof evidence.checkpointNote).toBe('string');
    // The log itself is consistent, so its checkpoint is accepted; only the replay stops.
    expect(result.size).toBe(24);
    expect(monitor.replayedSize).toBe(23);
  });

  it('when an entry breaks a rule, it raises rule_violation with the rule code', async () => {
    const dataDir = tempDir('rule');
    await buildLog(dataDir, 5);
    await appendRaw(dataDir, [documentLeaf(dataDir, 'orphan', cabCode('UZ', 77)).leaf]);
    const { monitor } = await monitorStore(dataDir);

    const result = await monitor.poll();

    expect(result.alarms.map((alarm) => alarm.code)).toEqual(['rule_violation']);
    expect(result.alarms[0]!.evidence.ruleCode).toBe('unknown_issuer');
    expect(result.alarms[0]!.evidence.index).toBe(8);
  });

  it('when the same alarm is seen again, it is raised once', async () => {
    const dataDir = tempDir('repeat');
    await buildLog(dataDir, 5);
    await rewriteEntry(dataDir, 3, documentLeaf(dataDir, 'again').leaf, false);
    const { monitor, sink } = await monitorStore(dataDir);

    await monitor.poll();
    const second = await monitor.poll();

    expect(second.alarms).toEqual([]);
    expect(sink.alarms.map((alarm) => alarm.code)).toEqual(['tile_mismatch']);
  });
});

describe('monitor checkpoint checks', () => {
  it('when the checkpoint signature does not verify, it raises bad_signature', async () => {
    const dataDir = tempDir('bad-note');
    await buildLog(dataDir, 5);
    const running = await startInProcessHub(dataDir);
    cleanups.push(() => running.close());
    // A proxy that changes the size line of the checkpoint and passes everything else through.
    const proxy = createServer((request, response) => {
      void (async () => {
        const upstream = await fetch(`${running.url}${request.url}`);
        let body = Buffer.from(await upstream.arrayBuffer());
        if (request.url === '/checkpoint') body = Buffer.from(body.toString('utf8').replace(/\n8\n/, '\n9\n'));
        response.writeHead(upstream.status).end(body);
      })();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const { monitor } = await openMonitor(dataDir, url, tempDir('state'));
    cleanups.push(() => monitor.close());

    const result = await monitor.poll();

    expect(result.alarms.map((alarm) => alarm.code)).toEqual(['bad_signature']);
    expect(result.alarms[0]!.evidence.errorCode).toBe('invalid_signature');
    expect(result.alarms[0]!.evidence.servedNote).toContain('\n9\n');
  });

  it('when entry 0 is not the pinned genesis, it raises genesis_mismatch', async () => {
    const dataDir = tempDir('genesis');
    await buildLog(dataDir, 3);
    const running = await startInProcessHub(dataDir);
    cleanups.push(() => running.close());
    const { monitor } = await openMonitor(dataDir, running.url, tempDir('state'), { genesisLeafHash: new Uint8Array(32).fill(7) });
    cleanups.push(() => monitor.close());

    const result = await monitor.poll();

    expect(result.alarms.map((alarm) => alarm.code)).toEqual(['genesis_mismatch']);
    expect(result.alarms[0]!.evidence.pinnedLeafHash).toBe(Buffer.alloc(32, 7).toString('base64'));
    expect(monitor.replayedSize).toBe(0);
  });

  it('when a growing log publishes nothing past the limit, it raises stalled once', async () => {
    const dataDir = tempDir('stall');
    await buildLog(dataDir, 3);
    const running = await startInProcessHub(dataDir);
    cleanups.push(() => running.close());
    let now = Date.UTC(2027, 0, 1);
    const { monitor } = await openMonitor(dataDir, running.url, tempDir('state'), { clock: () => now, stallAfterMs: 60_000 });
    cleanups.push(() => monitor.close());

    await monitor.poll();
    now += 120_000;
    expect((await monitor.poll()).alarms).toEqual([]);
    await submitAll(running.hub, new EntryFactory(dataDir, 'grow').documents(2));
    expect((await monitor.poll()).alarms).toEqual([]);
    now += 30_000;
    expect((await monitor.poll()).alarms).toEqual([]);
    now += 60_000;
    const stalled = await monitor.poll();
    expect(stalled.alarms.map((alarm) => alarm.code)).toEqual(['stalled']);
    expect(stalled.alarms[0]!.evidence.limitMs).toBe(60_000);
    expect(stalled.alarms[0]!.evidence.latestNote).toBe(monitor.latest!.note);
    now += 60_000;
    expect((await monitor.poll()).alarms).toEqual([]);
  });
});
