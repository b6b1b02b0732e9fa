/**
 * `ecert monitor` as a command: the built CLI run as a child process against a hub that
 * `ecert serve` runs, with a peer on 127.0.0.1 that serves a checkpoint of its own.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formatCheckpoint, parseCheckpoint } from '../../ledger/checkpoint.js';
import { noteSigner, parseNote, parsePrivateKey, signNote } from '../../ledger/note.js';
import { listenForPeers, type PeerEndpoint } from '../../monitor/monitor-listen.js';
import { ensureBuilt, makeTempDir, runCli, startHub, type HubProcess } from '../helpers/hub-process.js';
import { EntryFactory, silentLogger } from '../monitor/monitor-fixtures.js';

const ORIGIN = 'ecert-ledger.localhost/dev';
const temp = makeTempDir('monitor-command');
const dataDir = path.join(temp.dir, 'hub');
let hub: HubProcess;
let peer: PeerEndpoint;
let peerNote: string | undefined;

/** Returns the summary of a `--json` run, its last line. */
function summaryOf(stdout: string): { verifiedSize: number; alarms: number; replayedSize: number } {
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

function monitorArgs(state: string, ...more: string[]): string[] {
  return ['monitor', '--hub', hub.url, '--vkey', path.join(dataDir, 'log.vkey'), '--state', path.join(temp.dir, state), '--once', '--json', ...more];
}

beforeAll(async () => {
  ensureBuilt();
  hub = await startHub(dataDir, { args: ['--batch-interval', '5'] });
  const factory = new EntryFactory(dataDir, 'command');
  for (const envelope of [...factory.setup(), ...factory.documents(3)]) {
    const response = await fetch(`${hub.url}/v1/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) });
    expect(response.status).toBe(200);
  }
  peer = await listenForPeers({ origin: ORIGIN, latestNote: () => peerNote, port: 0, logger: silentLogger });
}, 120_000);

afterAll(async () => {
  await peer?.close();
  await hub?.stop();
  temp.remove();
});

describe('ecert monitor --once', () => {
  it('exits 0 on an honest hub', async () => {
    const result = await runCli(monitorArgs('honest', '--verify-threads', '1', '--peer', peer.url));
    expect(result.code, result.stderr).toBe(0);
    const summary = summaryOf(result.stdout);
    expect(summary.verifiedSize).toBe(6);
    expect(summary.replayedSize).toBe(6);
    expect(summary.alarms).toBe(0);
  });

  it('exits 1 with a fork alarm when a peer serves a forked checkpoint', async () => {
    const served = await (await fetch(`${hub.url}/checkpoint`)).text();
    const checkpoint = parseCheckpoint(parseNote(served).text);
    const logKey = parsePrivateKey(readFileSync(path.join(dataDir, 'log.key'), 'utf8').trim());
    // The log key signs another root for the same size: a split view that only the peer serves.
    const forkedRoot = Uint8Array.from(checkpoint.rootHash, (byte) => byte ^ 0xff);
    peerNote = signNote(formatCheckpoint({ ...checkpoint, rootHash: forkedRoot }), [noteSigner(logKey)]);

    const result = await runCli(monitorArgs('forked', '--peer', peer.url));

    expect(result.code).toBe(1);
    const alarms = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { code?: string; evidence?: Record<string, unknown> });
    const fork = alarms.find((line) => line.code === 'fork');
    expect(fork).toBeDefined();
    expect(fork!.evidence!.peerNote).toBe(peerNote);
    expect(summaryOf(result.stdout).alarms).toBe(1);
    peerNote = undefined;
  });

  it('help documents --verify-threads', async () => {
    const result = await runCli(['monitor', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--verify-threads <n>');
    expect(result.stdout).toContain('available cores');
  });

  it('invalid --verify-threads exits 2', async () => {
    for (const value of ['-1', 'two', '1025']) {
      const result = await runCli(monitorArgs('invalid', '--verify-threads', value));
      expect(result.code, value).toBe(2);
      expect(result.stderr).toContain('--verify-threads');
    }
  });
});
