/**
 * The monitor's full-replay run, too slow for `npm test`: builds a development log of `--size`
 * entries (default 100,000) that all pass the registry rules, serves it through the hub's tile
 * routes on 127.0.0.1, runs `ecert monitor --once`, kills it with SIGKILL after its first saved
 * progress, runs it again to the end, and checks that its verified root is the hub's own.
 *
 * It also measures, in the same run, the Ed25519 verification rate of the machine on the log's
 * own entries (one thread, and the monitor's worker pool) and reports the resumed run's catch-up
 * rate against 80% of the one-thread rate times the cores (see verify-rate.ts).
 *   npm run build && node dist/bench/monitor-replay.js [--size N]
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import compress from '@fastify/compress';
import Fastify from 'fastify';

import { createDevelopmentSetup } from '../api/data-dir.js';
import { Hub } from '../api/hub.js';
import { registerTileRoutes } from '../api/routes/tiles.js';
import { openLevelStorage } from '../ledger/level-storage.js';
import { LogReader } from '../ledger/log.js';
import { noteSigner, parsePrivateKey } from '../ledger/note.js';
import { openSequencer } from '../ledger/sequencer.js';
import { decodeBundle } from '../ledger/bundle.js';
import { TILE_WIDTH } from '../ledger/tile.js';
import { encodeLeaf, signEnvelope } from '../registry/envelope.js';
import { describeMachine } from './machine.js';
import { measureVerifyRates } from './verify-rate.js';

const USAGE = `usage: node dist/bench/monitor-replay.js [--size N]
  --size N  document.register entries in the log besides its 3 setup entries (default 100000)
Prints one JSON object; exits 1 unless the resumed monitor run ends on the hub's root.
`;
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../cli/main.js');
const BATCH = 4096;
/** Leaves from the start of the log that the rate measurements use. */
const RATE_SAMPLE_ENTRIES = 10_240;
/** Share of (one-thread verification rate × cores) the monitor's catch-up aims at. */
const CATCH_UP_AIM = 0.8;

/**
 * Returns the CPU seconds (user and system, all threads) of this process's children that have
 * exited and been waited for, from `cutime` and `cstime` in /proc/self/stat, or undefined off
 * Linux. The difference around one child run is that child's CPU time, which other load on the
 * machine changes much less than its wall time.
 */
function exitedChildrenCpuSeconds(): number | undefined {
  let stat: string;
  let ticksPerSecond: number;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
    ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return undefined;
  }
  // Fields after the command name in brackets start at field 3; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]);
  return Number.isFinite(ticks) && ticksPerSecond > 0 ? ticks / ticksPerSecond : undefined;
}

/** Reads the first `count` leaves of the log from its stored bundles. */
async function readLeaves(reader: LogReader, count: number): Promise<Uint8Array[]> {
  const leaves: Uint8Array[] = [];
  for (let index = 0; leaves.length < count; index++) {
    leaves.push(...decodeBundle(await reader.bundle(index)));
  }
  return leaves.slice(0, count);
}

function readKey(dataDir: string, stem: string) {
  return parsePrivateKey(readFileSync(path.join(dataDir, 'dev-keys', `${stem}.key`), 'utf8').trim());
}

/** Logs the genesis and the setup entries through the hub, then `documents` registrations through the sequencer. */
async function buildLog(dataDir: string, documents: number): Promise<void> {
  createDevelopmentSetup(dataDir);
  const registrar = readKey(dataDir, 'registrar-UZ');
  const authority = readKey(dataDir, 'authority-UZ');
  const hub = await Hub.open({ dataDir });
  const authorityVkey = readFileSync(path.join(dataDir, 'dev-keys', 'authority-UZ.vkey'), 'utf8').trim();
  await hub.submit(signEnvelope({ kind: 'actor.register', body: { actor: 'authority:UZ', roles: ['sender', 'receiver'], key: authorityVkey } as never, actor: 'registrar:UZ' }, registrar));
  const cab = { code: 'UZ-UZAC-0001', name: 'Bench body', type: 'certification-body', status: 'active', effectiveAt: '2026-01-01T00:00:00.000Z' };
  await hub.submit(signEnvelope({ kind: 'cab.register', body: cab as never, actor: 'registrar:UZ' }, registrar));
  await hub.close();

  const storage = await openLevelStorage(path.join(dataDir, 'ledger'));
  const logKey = parsePrivateKey(readFileSync(path.join(dataDir, 'log.key'), 'utf8').trim());
  const handler = { prepare: (items: readonly Uint8Array[]) => items.map((entry) => ({ entry })) };
  const sequencer = await openSequencer(storage, noteSigner(logKey), handler, { batchInterval: 0, batchSize: BATCH, maxPending: 100_000 });
  for (let done = 0; done < documents; done += BATCH) {
    const loggedAt = Date.now();
    const leaves: Uint8Array[] = [];
    for (let i = done; i < Math.min(documents, done + BATCH); i++) {
      const sha256 = createHash('sha256').update(`bench document ${i}`).digest('hex');
      const body = {
        type: 'CC', number: `CC-${i}`, issuer: 'UZ-UZAC-0001', sha256, issuedOn: '2026-11-02', validUntil: '2029-11-01',
        product: { description: 'Electric kettles', hsCodes: ['851671'] }, regulations: ['TR CU 004/2011'], standards: ['IEC 60335-2-15'], related: [],
      };
      leaves.push(encodeLeaf(signEnvelope({ kind: 'document.register', body: body as never, actor: 'authority:UZ' }, authority), loggedAt));
    }
    await Promise.all(leaves.map((leaf) => sequencer.submit(leaf)));
  }
  await sequencer.close();
  await storage.close();
}

/** Runs `ecert monitor --once --json`; with `killOnProgress`, SIGKILLs it at its first saved progress. */
function runMonitor(args: string[], killOnProgress: boolean): Promise<{ code: number | null; stdout: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'monitor', '--once', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (killOnProgress && !killed && chunk.includes('saved verified progress')) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, killed }));
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  const sizeFlag = process.argv.indexOf('--size');
  const documents = sizeFlag > 0 ? Number(process.argv[sizeFlag + 1]) : 100_000;
  if (!Number.isSafeInteger(documents) || documents < 1) {
    throw new RangeError(`--size ${process.argv[sizeFlag + 1]} is invalid, expected a positive integer of document entries`);
  }
  const work = mkdtempSync(path.join(tmpdir(), 'ecert-monitor-bench-'));
  try {
    const dataDir = path.join(work, 'hub');
    let started = Date.now();
    await buildLog(dataDir, documents);
    const buildMs = Date.now() - started;

    const storage = await openLevelStorage(path.join(dataDir, 'ledger'));
    const latest = (await storage.readLatestCheckpoint())!;
    const machine = describeMachine();
    const sampleSize = Math.floor(Math.min(latest.size, RATE_SAMPLE_ENTRIES) / TILE_WIDTH) * TILE_WIDTH || latest.size;
    const rates = await measureVerifyRates(await readLeaves(new LogReader(storage), sampleSize));
    const app = Fastify();
    await app.register(compress, { global: false, encodings: ['gzip'], customTypes: /^application\/octet-stream$/ });
    const hubView = { reader: new LogReader(storage), checkpointWithCosignatures: async (c: { note: string }) => c.note };
    registerTileRoutes(app, hubView as unknown as Hub);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });

    const args = ['--hub', url, '--vkey', path.join(dataDir, 'log.vkey'), '--state', path.join(work, 'monitor')];
    started = Date.now();
    const first = await runMonitor(args, true);
    const firstMs = Date.now() - started;
    const cpuBefore = exitedChildrenCpuSeconds();
    started = Date.now();
    const second = await runMonitor(args, false);
    const secondMs = Date.now() - started;
    const cpuAfter = exitedChildrenCpuSeconds();
    const resumedRunCpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? null : Math.round((cpuAfter - cpuBefore) * 100) / 100;
    await app.close();
    await storage.close();

    const summary = JSON.parse(second.stdout.trim().split('\n').pop()!) as { verifiedSize: number; rootHash: string; alarms: number; replayedSize: number };
    const hubRoot = Buffer.from(latest.rootHash).toString('base64');
    // The resumed run replays every entry: the stored ones while it opens, the rest as it catches up.
    const catchUpPerSecond = Math.round((latest.size * 1000) / secondMs);
    const aimPerSecond = Math.round(CATCH_UP_AIM * rates.singleThreadVerifyPerSecond * machine.cpus);
    const result = {
      entries: latest.size, buildMs, killedFirstRun: first.killed, firstRunMs: firstMs, resumedRunMs: secondMs, resumedRunCpuSeconds,
      resumedRunCpuMicrosecondsPerEntry: resumedRunCpuSeconds === null ? null : Math.round((resumedRunCpuSeconds * 1e6) / latest.size),
      verifyMicrosecondsPerEntry: Math.round(1e6 / rates.singleThreadVerifyPerSecond),
      exitCode: second.code, ...summary, hubRoot, rootsMatch: summary.rootHash === hubRoot && summary.verifiedSize === latest.size,
      machine, loadAverageAtEnd: os.loadavg().map((load) => Math.round(load * 100) / 100), rates,
      catchUpPerSecond, aimPerSecond,
      shareOfVerifyTimesCores: Math.round((catchUpPerSecond / (rates.singleThreadVerifyPerSecond * machine.cpus)) * 1000) / 1000,
      aimMet: catchUpPerSecond >= aimPerSecond,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!result.rootsMatch || second.code !== 0 || !first.killed) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
