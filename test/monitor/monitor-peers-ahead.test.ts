/**
 * Peer checkpoints larger than the monitor's accepted one. The hub shows the monitor a stale
 * checkpoint (a proxy passes everything else through), while a peer shows a newer one. The
 * monitor proves the newer one consistent from the hub's tiles when they exist, and keeps it
 * pending otherwise. It compares it again once it accepts that size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { listenForPeers } from '../../monitor/monitor-listen.js';
import { buildLog, copyDataDir, EntryFactory, openMonitor, silentLogger, startInProcessHub, submitAll, type RunningHub } from './monitor-fixtures.js';

const ORIGIN = 'ecert-ledger.localhost/dev';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `ecert-monitor-${prefix}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a proxy of `hub` that serves `stale.note` as /checkpoint while it is set. */
async function staleViewProxy(hub: RunningHub): Promise<{ url: string; stale: { note?: string } }> {
  const stale: { note?: string } = {};
  const proxy = createServer((request, response) => {
    void (async () => {
      if (request.url === '/checkpoint' && stale.note !== undefined) {
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(stale.note);
        return;
      }
      const upstream = await fetch(`${hub.url}${request.url}`);
      response.writeHead(upstream.status).end(Buffer.from(await upstream.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, stale };
}

/** Starts a peer that serves `peer.note` at the monitoring endpoint. */
async function peerServing(): Promise<{ url: string; peer: { note?: string } }> {
  const peer: { note?: string } = {};
  const endpoint = await listenForPeers({ origin: ORIGIN, latestNote: () => peer.note, port: 0, logger: silentLogger });
  cleanups.push(() => endpoint.close());
  return { url: endpoint.url, peer };
}

/** Starts a hub on a copy of `base` and logs `documents` more entries labelled `label`. */
async function grownCopy(base: string, label: string, documents: number): Promise<RunningHub> {
  const dir = tempDir(label);
  copyDataDir(base, dir);
  const running = await startInProcessHub(dir);
  cleanups.push(() => running.close());
  await submitAll(running.hub, new EntryFactory(dir, label).documents(documents));
  return running;
}

describe('peer checkpoint ahead of the monitor', () => {
  it('peer ahead within hub tiles is proven', async () => {
    const dataDir = tempDir('ahead');
    await buildLog(dataDir, 20);
    const running = await startInProcessHub(dataDir);
    cleanups.push(() => running.close());
    const proxy = await staleViewProxy(running);
    const { url: peerUrl, peer } = await peerServing();
    const { monitor, sink } = await openMonitor(dataDir, proxy.url, tempDir('state'), { peers: [peerUrl] });
    cleanups.push(() => monitor.close());
    await monitor.poll();
    const acceptedSize = monitor.latest!.size;

    proxy.stale.note = running.hub.latestCheckpoint!.note;
    await submitAll(running.hub, new EntryFactory(dataDir, 'later').documents(300));
    peer.note = running.hub.latestCheckpoint!.note;
    const peerSize = running.hub.latestCheckpoint!.size;
    const stale = await monitor.poll();

    expect(stale.alarms).toEqual([]);
    expect(stale.size).toBe(acceptedSize);
    expect(monitor.pendingCheckpoints).toEqual([{ source: peerUrl, size: peerSize, provenAtSize: acceptedSize }]);

    proxy.stale.note = undefined;
    const caughtUp = await monitor.poll();

    expect(caughtUp.size).toBe(peerSize);
    expect(monitor.pendingCheckpoints).toEqual([]);
    expect(sink.alarms).toEqual([]);
  });

  it('forked peer stays pending, then fork', async () => {
    const base = tempDir('base');
    await buildLog(base, 20);
    const hubA = await grownCopy(base, 'fork-a', 0);
    const proxy = await staleViewProxy(hubA);
    const { url: peerUrl, peer } = await peerServing();
    const { monitor, sink } = await openMonitor(base, proxy.url, tempDir('state'), { peers: [peerUrl] });
    cleanups.push(() => monitor.close());
    await monitor.poll();
    const acceptedSize = monitor.latest!.size;

    proxy.stale.note = hubA.hub.latestCheckpoint!.note;
    await submitAll(hubA.hub, new EntryFactory(base, 'fork-a').documents(9));
    const hubB = await grownCopy(base, 'fork-b', 9);
    peer.note = hubB.hub.latestCheckpoint!.note;
    const pending = await monitor.poll();

    expect(pending.alarms).toEqual([]);
    expect(monitor.pendingCheckpoints).toEqual([{ source: peerUrl, size: acceptedSize + 9, provenAtSize: undefined }]);

    proxy.stale.note = undefined;
    const compared = await monitor.poll();

    expect(compared.size).toBe(acceptedSize + 9);
    expect(compared.alarms.map((alarm) => alarm.code)).toEqual(['fork']);
    expect(compared.alarms[0]!.evidence.acceptedNote).toBe(hubA.hub.latestCheckpoint!.note);
    expect(compared.alarms[0]!.evidence.peerNote).toBe(peer.note);
    expect(sink.alarms).toHaveLength(1);
  });

  it('peer beyond hub tiles is pending', async () => {
    const base = tempDir('base');
    await buildLog(base, 20);
    const hubA = await grownCopy(base, 'short', 0);
    const hubB = await grownCopy(base, 'long', 40);
    const { url: peerUrl, peer } = await peerServing();
    peer.note = hubB.hub.latestCheckpoint!.note;
    const { monitor, sink } = await openMonitor(base, hubA.url, tempDir('state'), { peers: [peerUrl] });
    cleanups.push(() => monitor.close());

    const first = await monitor.poll();

    expect(first.alarms).toEqual([]);
    expect(monitor.pendingCheckpoints).toEqual([{ source: peerUrl, size: hubB.hub.latestCheckpoint!.size, provenAtSize: undefined }]);
    // The hub then publishes that size with other entries: the comparison finds the fork.
    await submitAll(hubA.hub, new EntryFactory(base, 'short').documents(40));
    const second = await monitor.poll();
    expect(second.alarms.map((alarm) => alarm.code)).toEqual(['fork']);
    expect(sink.alarms).toHaveLength(1);
  });
});
