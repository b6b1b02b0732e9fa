/**
 * Damaged stores: a flipped byte in a right-edge tile makes `ecert serve` exit before listening and
 * name the root mismatch; a flipped byte in an older tile or an entry bundle makes `ecert fsck`
 * exit 1 and name the damaged tile or bundle. The damage is written through the storage layer
 * while the hub is stopped, since LevelDB compresses values inside its files.
 */
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openLevelStorage } from '../../ledger/level-storage.js';
import { readDevKey, signTestEnvelope } from '../helpers/envelopes.js';
import { ensureBuilt, HubExitError, makeTempDir, runCli, startHub } from '../helpers/hub-process.js';
import { cabCode, cabRegisterBody, DEV_COUNTRIES, mapConcurrent, request, submitOk } from '../helpers/records.js';

/** Entries beyond the genesis: more than one full tile, so there is an old tile and a level-1 tile. */
const ENTRIES = 300;

let temp: ReturnType<typeof makeTempDir>;
let dataDir: string;
let storeDir: string;

type Target = { kind: 'tile'; level: number; index: number } | { kind: 'bundle'; index: number };

/**
 * Flips one byte of a stored tile or bundle with a batch holding only that value, and returns a
 * function that writes the original back.
 */
async function flipByte(target: Target, offset: number): Promise<() => Promise<void>> {
  const storage = await openLevelStorage(storeDir);
  let original: Uint8Array;
  try {
    const stored = target.kind === 'tile' ? await storage.readTile(target.level, target.index) : await storage.readBundle(target.index);
    if (stored === undefined) throw new Error(`no stored ${JSON.stringify(target)}`);
    original = new Uint8Array(stored);
    const damaged = new Uint8Array(stored);
    damaged[offset] = damaged[offset]! ^ 0x01;
    await storage.commit(batchOf(target, damaged));
  } finally {
    await storage.close();
  }
  return async () => {
    const restore = await openLevelStorage(storeDir);
    try {
      await restore.commit(batchOf(target, original));
    } finally {
      await restore.close();
    }
  };
}

function batchOf(target: Target, bytes: Uint8Array): Parameters<Awaited<ReturnType<typeof openLevelStorage>>['commit']>[0] {
  return target.kind === 'tile'
    ? { tiles: [{ level: target.level, index: target.index, hashes: bytes }] }
    : { bundles: [{ index: target.index, bundle: bytes }] };
}

async function expectStartRefused(reason: RegExp): Promise<void> {
  const failure = await startHub(dataDir).then(
    async (hub) => {
      await hub.stop();
      return undefined;
    },
    (error: unknown) => error,
  );
  expect(failure).toBeInstanceOf(HubExitError);
  expect((failure as HubExitError).code).toBe(1);
  expect((failure as HubExitError).stderr).toMatch(reason);
}

async function expectStartsCleanly(): Promise<void> {
  const hub = await startHub(dataDir);
  const log = await request(`${hub.url}/v1/log`);
  expect(log.body.size).toBe(ENTRIES + 1);
  await hub.stop();
}

beforeAll(async () => {
  ensureBuilt();
  temp = makeTempDir('corruption');
  dataDir = path.join(temp.dir, 'data');
  storeDir = path.join(dataDir, 'ledger');
  const hub = await startHub(dataDir, { args: ['--batch-interval', '10'] });
  try {
    const registrars = DEV_COUNTRIES.map((country) => readDevKey(dataDir, `registrar:${country}`));
    const envelopes = Array.from({ length: ENTRIES }, (_, i) => {
      const registrar = registrars[i % registrars.length]!;
      return signTestEnvelope('cab.register', cabRegisterBody(cabCode(registrar.name.slice(-2), i + 1)), registrar);
    });
    await mapConcurrent(envelopes, 24, (envelope) => submitOk(hub.url, envelope));
  } finally {
    await hub.stop();
  }
}, 60_000);

afterAll(() => {
  temp?.remove();
});

describe('corrupted store', () => {
  it('clean store passes fsck and starts', async () => {
    const fsck = await runCli(['fsck', '--data', dataDir]);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
    await expectStartsCleanly();
  });

  // Size 301: tile 0/001 (width 45) and tile 1/000 (width 1) are the right edge.
  const rightEdge: [string, Target, number][] = [
    ['level-0 right-edge tile', { kind: 'tile', level: 0, index: 1 }, 5],
    ['level-1 right-edge tile', { kind: 'tile', level: 1, index: 0 }, 31],
  ];
  for (const [name, target, offset] of rightEdge) {
    it(`flipped byte in ${name} stops startup`, async () => {
      const restore = await flipByte(target, offset);
      await expectStartRefused(/root_mismatch[^\n]*stored checkpoint of size 301 has root/);
      const fsck = await runCli(['fsck', '--data', dataDir]);
      expect(fsck.code).toBe(1);
      expect(fsck.stdout).toMatch(/^checked tree size 301:/);
      expect(fsck.stdout).toMatch(/root_mismatch/);
      await restore();
      await expectStartsCleanly();
    });
  }

  it('flipped byte in an old tile fails fsck', async () => {
    // Tile 0/000 is full and below the right edge, so only the full check reads it.
    const restore = await flipByte({ kind: 'tile', level: 0, index: 0 }, 40 * 32 + 7);
    const fsck = await runCli(['fsck', '--data', dataDir]);
    expect(fsck.code).toBe(1);
    expect(fsck.stdout).toMatch(/tile\/0\/000/);
    expect(fsck.stderr).toMatch(/problem/);
    await restore();
    expect((await runCli(['fsck', '--data', dataDir])).code).toBe(0);
  });

  it('flipped byte in an entry bundle fails fsck', async () => {
    // Byte 20 lies inside entry 0's JSON, after its 2-byte length prefix.
    const restore = await flipByte({ kind: 'bundle', index: 0 }, 20);
    const fsck = await runCli(['fsck', '--data', dataDir, '--json']);
    expect(fsck.code).toBe(1);
    const report = JSON.parse(fsck.stdout) as { problems: { code: string; where: string }[] };
    expect(report.problems.map((problem) => problem.where)).toContain('tile/entries/000');
    await restore();
    expect((await runCli(['fsck', '--data', dataDir])).code).toBe(0);
  });

  it('fsck on a running hub reports the locked store', async () => {
    const hub = await startHub(dataDir);
    try {
      const fsck = await runCli(['fsck', '--data', dataDir]);
      expect(fsck.code).toBe(1);
      expect(fsck.stderr).toMatch(/store_locked/);
    } finally {
      await hub.stop();
    }
  });
});
