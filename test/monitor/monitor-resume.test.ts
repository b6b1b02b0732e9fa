import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { openLevelStorage } from '../../ledger/level-storage.js';
import { generatePrivateKey, noteSigner, noteVerifier, verifierKeyOf } from '../../ledger/note.js';
import { openSequencer } from '../../ledger/sequencer.js';
import { entriesPath } from '../../ledger/tile.js';
import { Monitor } from '../../monitor/monitor.js';
import { buildLogFast, collectingSink, openMonitor, serveStore, silentLogger } from './monitor-fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `ecert-monitor-${prefix}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A pass-through proxy that records request paths and returns 503 for bundles once `failBundlesAfter` were served. */
async function recordingProxy(target: string) {
  const paths: string[] = [];
  const control = { failBundlesAfter: Infinity, bundlesServed: 0 };
  const server = createServer((request, response) => {
    void (async () => {
      const url = request.url ?? '/';
      paths.push(url);
      if (url.startsWith('/tile/entries/')) {
        if (control.bundlesServed >= control.failBundlesAfter) {
          response.writeHead(503).end();
          return;
        }
        control.bundlesServed++;
      }
      const upstream = await fetch(`${target}${url}`);
      response.writeHead(upstream.status).end(Buffer.from(await upstream.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, control };
}

describe('monitor resume', () => {
  it('when stopped mid-way, it resumes without reading the verified bundles again', async () => {
    const dataDir = tempDir('resume');
    await buildLogFast(dataDir, 3000);
    const served = await serveStore(path.join(dataDir, 'ledger'));
    cleanups.push(() => served.close());
    const proxy = await recordingProxy(served.url);
    const stateDir = tempDir('state');

    proxy.control.failBundlesAfter = 6;
    const first = await openMonitor(dataDir, proxy.url, stateDir, { commitEveryBundles: 2 });
    const stopped = await first.monitor.poll();
    expect(stopped.reachedHub).toBe(false);
    expect(stopped.size).toBe(0);
    await first.monitor.close();

    proxy.control.failBundlesAfter = Infinity;
    proxy.paths.length = 0;
    const second = await openMonitor(dataDir, proxy.url, stateDir, { commitEveryBundles: 2 });
    cleanups.push(() => second.monitor.close());
    // The registry is rebuilt from the monitor's own store before the hub is read.
    expect(second.monitor.replayedSize).toBeGreaterThanOrEqual(4 * 256);
    const resumed = await second.monitor.poll();

    expect(resumed.size).toBe(3003);
    expect(second.monitor.replayedSize).toBe(3003);
    expect(second.sink.alarms).toEqual([]);
    const bundlesRead = proxy.paths.filter((p) => p.startsWith('/tile/entries/'));
    for (let index = 0; index < 4; index++) expect(bundlesRead).not.toContain(`/${entriesPath(index, 256)}`);
    expect(bundlesRead).toContain(`/${entriesPath(11, 3003 - 11 * 256)}`);
    expect(second.monitor.hubRequests).toBe(proxy.paths.length);
  });
});

describe('monitor generic mode', () => {
  /** A tlog-tiles log of opaque entries, written through the ledger sequencer. */
  async function opaqueLog(count: number): Promise<{ storeDir: string; vkey: string }> {
    const storeDir = path.join(tempDir('opaque'), 'ledger');
    const key = generatePrivateKey('example.com/opaque');
    const storage = await openLevelStorage(storeDir, { createIfMissing: true });
    const sequencer = await openSequencer(storage, noteSigner(key), { prepare: (items: readonly Uint8Array[]) => items.map((entry) => ({ entry })) }, { batchInterval: 0, batchSize: 4096 });
    await Promise.all(Array.from({ length: count }, (_, i) => sequencer.submit(new TextEncoder().encode(`opaque entry ${i}`))));
    await sequencer.close();
    await storage.close();
    return { storeDir, vkey: verifierKeyOf(key) };
  }

  it('when replay is off, it checks an opaque log without alarms', async () => {
    const { storeDir, vkey } = await opaqueLog(600);
    const served = await serveStore(storeDir);
    cleanups.push(() => served.close());
    const sink = collectingSink();
    const monitor = await Monitor.open({ hubUrl: served.url, logKey: noteVerifier(vkey), stateDir: tempDir('state'), replay: false, logger: silentLogger, alarms: sink });
    cleanups.push(() => monitor.close());

    const result = await monitor.poll();

    expect(result.size).toBe(600);
    expect(sink.alarms).toEqual([]);
    expect(monitor.replayedSize).toBeUndefined();
  });

  it('when replay is on, an opaque entry 0 is a rule violation', async () => {
    const { storeDir, vkey } = await opaqueLog(3);
    const served = await serveStore(storeDir);
    cleanups.push(() => served.close());
    const sink = collectingSink();
    const monitor = await Monitor.open({ hubUrl: served.url, logKey: noteVerifier(vkey), stateDir: tempDir('state'), logger: silentLogger, alarms: sink });
    cleanups.push(() => monitor.close());

    const result = await monitor.poll();

    expect(result.alarms.map((alarm) => alarm.code)).toEqual(['rule_violation']);
    expect(result.alarms[0]!.evidence.index).toBe(0);
  });
});
