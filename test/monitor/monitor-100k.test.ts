/**
 * The monitor on a log of 100,000 entries: it replays every entry through the registry rules and
 * signature checks, is killed with SIGKILL at its first saved progress, resumes, and ends on the
 * hub's own root with no alarm. The scenario lives in bench/monitor-replay.ts, which also times it.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { ensureBuilt } from '../helpers/hub-process.js';

const SCRIPT = path.resolve(fileURLToPath(new URL('../../dist/bench/monitor-replay.js', import.meta.url)));
const ENTRIES = 100_000;

interface ReplayResult {
  entries: number;
  killedFirstRun: boolean;
  exitCode: number;
  verifiedSize: number;
  replayedSize: number;
  replayHaltedAt: number | null;
  alarms: number;
  rootHash: string;
  hubRoot: string;
  machine: { cpus: number };
  rates: { poolThreads: number; singleThreadVerifyPerSecond: number; poolVerifyPerSecond: number };
  catchUpPerSecond: number;
}

describe('monitor on 100,000 entries', () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it('resumes after SIGKILL and ends on the hub root', { timeout: 600_000 }, () => {
    const run = spawnSync(process.execPath, [SCRIPT, '--size', String(ENTRIES)], {
      encoding: 'utf8',
      timeout: 590_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    const result = JSON.parse(run.stdout) as ReplayResult;
    // The genesis, the authority and the CAB come before the documents.
    expect(result.entries).toBe(ENTRIES + 3);
    expect(result.killedFirstRun).toBe(true);
    expect(result.exitCode).toBe(0);
    expect(result.alarms).toBe(0);
    expect(result.verifiedSize).toBe(result.entries);
    expect(result.replayedSize).toBe(result.entries);
    expect(result.replayHaltedAt).toBeNull();
    expect(result.rootHash).toBe(result.hubRoot);
    // The rates are recorded, not judged: their values depend on the machine and its load.
    expect(result.rates.poolThreads).toBe(result.machine.cpus);
    expect(result.rates.singleThreadVerifyPerSecond).toBeGreaterThan(0);
    expect(result.rates.poolVerifyPerSecond).toBeGreaterThan(0);
    expect(result.catchUpPerSecond).toBeGreaterThan(0);
  });
});
