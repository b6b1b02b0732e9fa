import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { runMonitor } from '../../cli/commands/monitor.js';

import { parseCheckpoint } from '../../ledger/checkpoint.js';
import { parseNote } from '../../ledger/note.js';
import { listenForPeers } from '../../monitor/monitor-listen.js';
import { originHash } from '../../monitor/monitor.js';
import {
  buildLog,
  copyDataDir,
  EntryFactory,
  openMonitor,
  silentLogger,
  startInProcessHub,
  submitAll,
} from './monitor-fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `ecert-monitor-${prefix}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function sizeOf(note: string): number {
  return parseCheckpoint(parseNote(note).text).size;
}

describe('monitor of an honest hub', () => {
  it('when the log grows across tiles, it raises no alarm and replays every entry', async () => {
    const dataDir = tempDir('honest');
    await buildLog(dataDir, 300);
    const running = await startInProcessHub(dataDir);
    cleanups.push(() => running.close());
    const { monitor, sink } = await openMonitor(dataDir, running.url, tempDir('state'));
    cleanups.push(() => monitor.close());

    const first = await monitor.poll();
    expect(first.reachedHub).toBe(true);
    expect(first.size).toBe(303);
    expect(monitor.replayedSize).toBe(303);

    await submitAll(running.hub, new EntryFactory(dataDir, 'more').documents(250));
    const second = await monitor.poll();
    expect(second.size).toBe(553);
    expect(monitor.replayedSize).toBe(553);
    expect(monitor.latest!.note).toBe(await running.hub.checkpointWithCosignatures(running.hub.latestCheckpoint!));
    expect(sink.alarms).toEqual([]);
  });

  it('when nothing changed, a second poll reads only the checkpoint', async () => {
    const dataDir = tempDir('quiet');
    await buildLog(dataDir, 10);
    const running = await startInProcessHub(dataDir);
    cleanups.push(() => running.close());
    const { monitor, sink } = await openMonitor(dataDir, running.url, tempDir('state'));
    cleanups.push(() => monitor.close());

    await monitor.poll();
    const before = monitor.hubRequests;
    await monitor.poll();
    expect(monitor.hubRequests - before).toBe(1);
    expect(sink.alarms).toEqual([]);
  });
});

describe('monitor of a forked hub', () => {
  /** Builds a log, copies it, and appends `countA` and `countB` different documents to the copies. */
  async function forkedHubs(countA: number, countB: number) {
    const base = tempDir('base');
    await buildLog(base, 20);
    const dirA = tempDir('copy-a');
    const dirB = tempDir('copy-b');
    copyDataDir(base, dirA);
    copyDataDir(base, dirB);
    const hubA = await startInProcessHub(dirA);
    cleanups.push(() => hubA.close());
    const hubB = await startInProcessHub(dirB);
    cleanups.push(() => hubB.close());
    await submitAll(hubA.hub, new EntryFactory(dirA, 'fork-a').documents(countA));
    await submitAll(hubB.hub, new EntryFactory(dirB, 'fork-b').documents(countB));
    return { base, hubA, hubB };
  }

  /** Two monitors, each following one copy and serving its checkpoint to the other. */
  async function peeredMonitors(base: string, urlA: string, urlB: string) {
    let monitorA: Awaited<ReturnType<typeof openMonitor>>['monitor'] | undefined;
    let monitorB: Awaited<ReturnType<typeof openMonitor>>['monitor'] | undefined;
    const endpointA = await listenForPeers({ origin: 'ecert-ledger.localhost/dev', latestNote: () => monitorA?.latest?.note, port: 0, logger: silentLogger });
    cleanups.push(() => endpointA.close());
    const endpointB = await listenForPeers({ origin: 'ecert-ledger.localhost/dev', latestNote: () => monitorB?.latest?.note, port: 0, logger: silentLogger });
    cleanups.push(() => endpointB.close());
    const a = await openMonitor(base, urlA, tempDir('state-a'), { peers: [endpointB.url] });
    cleanups.push(() => a.monitor.close());
    const b = await openMonitor(base, urlB, tempDir('state-b'), { peers: [endpointA.url] });
    cleanups.push(() => b.monitor.close());
    monitorA = a.monitor;
    monitorB = b.monitor;
    return { a, b, endpointA, endpointB };
  }

  it('when two copies have the same size, both monitors raise fork with both checkpoints', async () => {
    const { base, hubA, hubB } = await forkedHubs(5, 5);
    const { a, b } = await peeredMonitors(base, hubA.url, hubB.url);

    await a.monitor.poll();
    await b.monitor.poll();
    const again = await a.monitor.poll();

    const forkA = again.alarms.find((alarm) => alarm.code === 'fork');
    expect(forkA).toBeDefined();
    const forkB = b.sink.alarms.find((alarm) => alarm.code === 'fork');
    expect(forkB).toBeDefined();
    const noteA = a.monitor.latest!.note;
    const noteB = b.monitor.latest!.note;
    expect(noteA).not.toBe(noteB);
    expect(forkA!.evidence.acceptedNote).toBe(noteA);
    expect(forkA!.evidence.peerNote).toBe(noteB);
    expect(forkB!.evidence.acceptedNote).toBe(noteB);
    expect(forkB!.evidence.peerNote).toBe(noteA);
    expect(sizeOf(noteA)).toBe(sizeOf(noteB));
  });

  it('when the peer shows a smaller forked checkpoint, the monitor proves the fork from tiles', async () => {
    const { base, hubA, hubB } = await forkedHubs(3, 300);
    const { a, b } = await peeredMonitors(base, hubA.url, hubB.url);

    await a.monitor.poll();
    const result = await b.monitor.poll();

    const fork = result.alarms.find((alarm) => alarm.code === 'fork');
    expect(fork).toBeDefined();
    expect(fork!.evidence.acceptedNote).toBe(b.monitor.latest!.note);
    expect(fork!.evidence.peerNote).toBe(a.monitor.latest!.note);
    expect(a.sink.alarms).toEqual([]);
  });

  it('when the peer agrees, the monitors raise no alarm', async () => {
    const dataDir = tempDir('agree');
    await buildLog(dataDir, 30);
    const running = await startInProcessHub(dataDir);
    cleanups.push(() => running.close());
    const { a, b } = await peeredMonitors(dataDir, running.url, running.url);
    await a.monitor.poll();
    await submitAll(running.hub, new EntryFactory(dataDir, 'later').documents(7));
    await b.monitor.poll();
    await a.monitor.poll();
    await b.monitor.poll();
    expect(a.sink.alarms).toEqual([]);
    expect(b.sink.alarms).toEqual([]);
  });
});

describe('monitor of a rolled-back hub', () => {
  it('when the hub serves an older copy of its data, it raises rollback with both checkpoints', async () => {
    const dataDir = tempDir('rollback');
    await buildLog(dataDir, 15);
    const oldCopy = tempDir('old');
    copyDataDir(dataDir, oldCopy);

    const running = await startInProcessHub(dataDir);
    await submitAll(running.hub, new EntryFactory(dataDir, 'newer').documents(10));
    const stateDir = tempDir('state');
    const first = await openMonitor(dataDir, running.url, stateDir);
    await first.monitor.poll();
    const newerNote = first.monitor.latest!.note;
    await first.monitor.close();
    await running.close();

    const old = await startInProcessHub(oldCopy);
    cleanups.push(() => old.close());
    const { monitor } = await openMonitor(dataDir, old.url, stateDir);
    cleanups.push(() => monitor.close());
    const result = await monitor.poll();

    const rollback = result.alarms.find((alarm) => alarm.code === 'rollback');
    expect(rollback).toBeDefined();
    expect(rollback!.evidence.acceptedNote).toBe(newerNote);
    expect(sizeOf(rollback!.evidence.servedNote as string)).toBe(18);
    expect(result.alarms.map((alarm) => alarm.code)).not.toContain('fork');
  });

  it('second --once run keeps the rollback standing', async () => {
    const dataDir = tempDir('standing');
    await buildLog(dataDir, 15);
    const oldCopy = tempDir('standing-old');
    copyDataDir(dataDir, oldCopy);

    const running = await startInProcessHub(dataDir);
    await submitAll(running.hub, new EntryFactory(dataDir, 'newer').documents(10));
    const stateDir = tempDir('standing-state');
    const first = await openMonitor(dataDir, running.url, stateDir);
    await first.monitor.poll();
    await first.monitor.close();
    await running.close();

    const old = await startInProcessHub(oldCopy);
    cleanups.push(() => old.close());
    const options = {
      hub: old.url,
      vkey: path.join(dataDir, 'log.vkey'),
      state: stateDir,
      peer: [],
      once: true,
      interval: '30',
      stallAfter: '3600',
      replay: true,
    };
    const level = process.env.ECERT_LOG_LEVEL;
    process.env.ECERT_LOG_LEVEL = 'silent';
    cleanups.push(() => {
      if (level === undefined) delete process.env.ECERT_LOG_LEVEL;
      else process.env.ECERT_LOG_LEVEL = level;
    });
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    cleanups.push(() => write.mockRestore());

    const firstExit = await runMonitor(options);
    const firstOutput = printed.splice(0).join('');
    const secondExit = await runMonitor(options);
    const secondOutput = printed.splice(0).join('');

    expect(firstExit).toBe(1);
    expect(firstOutput).toContain('rollback');
    expect(secondExit).toBe(1);
    expect(secondOutput).toContain(', 0 alarms');
    expect(secondOutput).toContain(`raised earlier, still standing; see ${stateDir}`);

    const { monitor } = await openMonitor(dataDir, old.url, stateDir);
    cleanups.push(() => monitor.close());
    const third = await monitor.poll();
    expect(third.alarms).toEqual([]);
    expect(third.standingAlarms).toBeGreaterThan(0);
  });
});

describe('monitoring endpoint', () => {
  it('serves the verified checkpoint at the hex SHA-256 of the origin', async () => {
    const endpoint = await listenForPeers({ origin: 'example.com/log', latestNote: () => 'note\n', port: 0, logger: silentLogger });
    cleanups.push(() => endpoint.close());
    const ok = await fetch(`${endpoint.url}/${originHash('example.com/log')}/checkpoint`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('note\n');
    const other = await fetch(`${endpoint.url}/${originHash('other')}/checkpoint`);
    expect(other.status).toBe(404);
  });

  it('hex SHA-256 of the origin is lowercase', () => {
    expect(originHash('example.com/log')).toMatch(/^[0-9a-f]{64}$/);
  });
});
