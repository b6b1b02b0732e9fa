/**
 * Damaged and missing stores under the real `ecert serve` and `ecert fsck`: serve must exit before
 * listening with a plain message naming the problem, and fsck must exit 1 naming each problem,
 * without creating or deleting anything. Each case damages its own copy of one small hub.
 */
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { Level } from 'level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createDevelopmentSetup, DATA_FILES } from '../../api/data-dir.js';
import { openLevelStorage } from '../../ledger/level-storage.js';
import { formatPrivateKey, generatePrivateKey, verifierKeyOf } from '../../ledger/note.js';
import { readDevKey, signTestEnvelope } from '../helpers/envelopes.js';
import { ensureBuilt, HubExitError, makeTempDir, runCli, startHub, type CommandResult } from '../helpers/hub-process.js';
import { cabCode, cabRegisterBody, request, submitOk } from '../helpers/records.js';

/** Entries beyond the genesis, each logged alone, so every size 1..ENTRIES+1 has a checkpoint. */
const ENTRIES = 6;
const SIZE = ENTRIES + 1;

let temp: ReturnType<typeof makeTempDir>;
let baseDir: string;
let copies = 0;

/** Copies the hub's data directory to a new directory and returns its path. */
function copyHub(): string {
  const dir = path.join(temp.dir, `copy-${++copies}`);
  cpSync(baseDir, dir, { recursive: true });
  return dir;
}

function storeOf(dataDir: string): string {
  return path.join(dataDir, DATA_FILES.store);
}

/** Runs `ecert serve` and returns how it exited; fails the test if the hub starts listening. */
async function serveExit(dataDir: string): Promise<HubExitError> {
  const failure = await startHub(dataDir).then(
    async (hub) => {
      await hub.stop();
      return undefined;
    },
    (error: unknown) => error,
  );
  expect(failure, String(failure)).toBeInstanceOf(HubExitError);
  const exit = failure as HubExitError;
  expect(exit.code, exit.stderr).toBe(1);
  // A plain message: no stack frames after it.
  expect(exit.stderr).not.toMatch(/\n\s+at /);
  return exit;
}

function fsck(dataDir: string, json = false): Promise<CommandResult> {
  return runCli(['fsck', '--data', dataDir, ...(json ? ['--json'] : [])]);
}

/** Runs fsck --json, expects exit 1, and returns the problems as "code where". */
async function fsckProblems(dataDir: string): Promise<{ size: number; places: string[] }> {
  const result = await fsck(dataDir, true);
  expect(result.code, result.stderr).toBe(1);
  const report = JSON.parse(result.stdout) as { size: number; problems: { code: string; where: string }[] };
  return { size: report.size, places: report.problems.map((p) => `${p.code} ${p.where}`) };
}

/** Opens the store's LevelDB directly, as an operator's tool would, to damage one record. */
async function withRawStore(dataDir: string, use: (db: Level<Buffer, Buffer>) => Promise<void>): Promise<void> {
  const db = new Level<Buffer, Buffer>(storeOf(dataDir), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open({ createIfMissing: false });
  try {
    await use(db);
  } finally {
    await db.close();
  }
}

/** Finds the index key with `prefix` stored for entry `index`, as its full LevelDB key. */
async function indexKeyOf(dataDir: string, prefix: string, index: number): Promise<Buffer> {
  const storage = await openLevelStorage(storeOf(dataDir));
  try {
    const records = await storage.listIndexKeys(new TextEncoder().encode(prefix), 1000);
    const record = records.find((r) => r.value === index);
    if (record === undefined) throw new Error(`no ${prefix} key for entry ${index}`);
    return Buffer.concat([Buffer.from('I'), record.key]);
  } finally {
    await storage.close();
  }
}

function checkpointKey(size: number): Buffer {
  const key = Buffer.alloc(9);
  key[0] = 0x43;
  key.writeUInt32BE(size, 5);
  return key;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).sort();
}

beforeAll(async () => {
  ensureBuilt();
  temp = makeTempDir('store-damage');
  baseDir = path.join(temp.dir, 'base');
  const hub = await startHub(baseDir, { args: ['--batch-interval', '0'] });
  try {
    const registrar = readDevKey(baseDir, 'registrar:UZ');
    for (let i = 0; i < ENTRIES; i++) {
      await submitOk(hub.url, signTestEnvelope('cab.register', cabRegisterBody(cabCode('UZ', i + 1)), registrar));
    }
  } finally {
    await hub.stop();
  }
  // Reopening moves LevelDB's write-ahead log into a table file, which one case damages.
  await (await openLevelStorage(storeOf(baseDir))).close();
}, 60_000);

afterAll(() => {
  temp?.remove();
});

describe('missing store', () => {
  it('emptied store stops serve', async () => {
    const dataDir = copyHub();
    for (const name of readdirSync(storeOf(dataDir))) rmSync(path.join(storeOf(dataDir), name), { recursive: true });
    const exit = await serveExit(dataDir);
    expect(exit.stderr).toMatch(/store_missing/);
    expect(exit.stderr).toMatch(/restore the store from a backup/);
    expect(exit.stderr).toMatch(/never served/);
    expect(readdirSync(storeOf(dataDir))).toEqual([]);
  });

  it('removed store stops serve and fsck', async () => {
    const dataDir = copyHub();
    rmSync(storeOf(dataDir), { recursive: true });
    const exit = await serveExit(dataDir);
    expect(exit.stderr).toMatch(/store_missing/);
    expect(existsSync(storeOf(dataDir))).toBe(false);
    const { places } = await fsckProblems(dataDir);
    expect(places).toEqual(['store_missing ledger']);
    expect(existsSync(storeOf(dataDir))).toBe(false);
  });

  it('fsck of a missing directory creates nothing', async () => {
    const dataDir = path.join(temp.dir, 'never-created');
    const { places } = await fsckProblems(dataDir);
    expect(places).toEqual([`data_directory_missing ${dataDir}`]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('missing CURRENT fails fsck, keeping the files', async () => {
    const dataDir = copyHub();
    rmSync(path.join(storeOf(dataDir), 'CURRENT'));
    const before = listFiles(storeOf(dataDir));
    expect(before.some((name) => name.endsWith('.ldb'))).toBe(true);
    const { places } = await fsckProblems(dataDir);
    expect(places).toEqual(['open_failed ledger']);
    expect(listFiles(storeOf(dataDir))).toEqual(before);
    const exit = await serveExit(dataDir);
    expect(exit.stderr).toMatch(/no CURRENT file/);
    expect(listFiles(storeOf(dataDir))).toEqual(before);
  });

  it('interrupted creation is finished by serve', async () => {
    const dataDir = path.join(temp.dir, 'interrupted');
    // The files of a new directory, written as a process that stopped before the genesis leaves them.
    createDevelopmentSetup(dataDir);
    expect(existsSync(path.join(dataDir, DATA_FILES.genesisPending))).toBe(true);
    const hub = await startHub(dataDir);
    try {
      expect((await request(`${hub.url}/v1/log`)).body.size).toBe(1);
    } finally {
      await hub.stop();
    }
    expect(existsSync(path.join(dataDir, DATA_FILES.genesisPending))).toBe(false);
  });

  it('interrupted creation without a key stops serve', async () => {
    const dataDir = path.join(temp.dir, 'interrupted-early');
    createDevelopmentSetup(dataDir);
    writeFileSync(path.join(dataDir, DATA_FILES.logKey), 'PRIVATE+KEY+trunc');
    const exit = await serveExit(dataDir);
    expect(exit.stderr).toMatch(/setup_incomplete/);
    expect(exit.stderr).toMatch(/delete the directory and create it again/);
  });

  it('missing log.key prints no stack', async () => {
    const dataDir = copyHub();
    rmSync(path.join(dataDir, DATA_FILES.logKey));
    const exit = await serveExit(dataDir);
    expect(exit.stderr).toMatch(/not_a_data_directory/);
  });
});

describe('rolled-back checkpoint', () => {
  it('older latest record stops serve', async () => {
    const dataDir = copyHub();
    await withRawStore(dataDir, async (db) => {
      const older = await db.get(checkpointKey(2));
      expect(older).toBeDefined();
      await db.put(Buffer.from('L'), older!);
    });
    const exit = await serveExit(dataDir);
    expect(exit.stderr).toMatch(/beyond_latest_checkpoint/);
    expect(exit.stderr).toMatch(/the latest checkpoint has size 2, but the store contains a checkpoint of size 3/);
    const { size, places } = await fsckProblems(dataDir);
    expect(size).toBe(2);
    expect(places).toContain('beyond_latest_checkpoint checkpoint 2');
  });

  it('deleted latest record stops serve', async () => {
    const dataDir = copyHub();
    await withRawStore(dataDir, (db) => db.del(Buffer.from('L')));
    const exit = await serveExit(dataDir);
    expect(exit.stderr).toMatch(/latest_checkpoint_missing/);
    expect(exit.stderr).not.toMatch(/ApiError/);
    const { size, places } = await fsckProblems(dataDir);
    expect(size).toBe(SIZE);
    expect(places).toContain('latest_checkpoint_missing checkpoint 0');
  });
});

describe('index keys', () => {
  it('deleted nonce key stops serve', async () => {
    const dataDir = copyHub();
    const key = await indexKeyOf(dataDir, 'n/', 3);
    await withRawStore(dataDir, (db) => db.del(key));
    const exit = await serveExit(dataDir);
    expect(exit.stderr).toMatch(/index_key_missing/);
    expect(exit.stderr).toMatch(/of entry 3 is missing/);
    expect(exit.stderr).toMatch(/ecert fsck/);
  });

  it('deleted and wrong keys fail fsck', async () => {
    const dataDir = copyHub();
    const dedup = await indexKeyOf(dataDir, 'd/', 2);
    const leaf = await indexKeyOf(dataDir, 'l/', 4);
    const nonce = await indexKeyOf(dataDir, 'n/', 5);
    const wrong = Buffer.alloc(8);
    wrong.writeUInt32BE(1, 4);
    await withRawStore(dataDir, async (db) => {
      await db.del(dedup);
      await db.del(leaf);
      await db.put(nonce, wrong);
    });
    const { places } = await fsckProblems(dataDir);
    expect(places).toEqual(['index_key_missing entry 2', 'index_key_missing entry 4', 'index_key_mismatch entry 5']);
    const exit = await serveExit(dataDir);
    expect(exit.stderr).toMatch(/index_key_missing/);
  });
});

describe('data files', () => {
  it('intact directory passes fsck', async () => {
    const result = await fsck(copyHub());
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`checked tree size ${SIZE}:.* ${SIZE} entries`));
  });

  it('log key of another hub fails fsck', async () => {
    const dataDir = copyHub();
    const origin = readFileSync(path.join(dataDir, DATA_FILES.logKey), 'utf8').split('+')[2]!;
    const other = generatePrivateKey(origin);
    writeFileSync(path.join(dataDir, DATA_FILES.logKey), formatPrivateKey(other) + '\n');
    writeFileSync(path.join(dataDir, DATA_FILES.logVkey), verifierKeyOf(other) + '\n');
    const { places } = await fsckProblems(dataDir);
    expect(places).toContain(`no_verified_signature checkpoint ${SIZE}`);
    const exit = await serveExit(dataDir);
    expect(exit.stderr).toMatch(/signer_mismatch/);
  });

  it('log.vkey of another key fails fsck', async () => {
    const dataDir = copyHub();
    writeFileSync(path.join(dataDir, DATA_FILES.logVkey), verifierKeyOf(generatePrivateKey('other.example/log')) + '\n');
    const { places } = await fsckProblems(dataDir);
    expect(places).toEqual(['vkey_mismatch log.vkey']);
  });

  it('genesis.json unlike entry 0 fails fsck', async () => {
    const dataDir = copyHub();
    const file = path.join(dataDir, DATA_FILES.genesis);
    const genesis = JSON.parse(readFileSync(file, 'utf8')) as { nonce: string };
    genesis.nonce = genesis.nonce.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    writeFileSync(file, JSON.stringify(genesis));
    const { places } = await fsckProblems(dataDir);
    expect(places).toEqual(['genesis_mismatch entry 0']);
  });

  it('damaged table file fails fsck', async () => {
    const dataDir = copyHub();
    const table = listFiles(storeOf(dataDir)).find((name) => name.endsWith('.ldb'))!;
    const file = path.join(storeOf(dataDir), table);
    const bytes = readFileSync(file);
    // A table flushed from memory keeps every version of a key, and most of them are never read,
    // so the damage covers the data blocks at the front of the file, up to its index and footer.
    for (let i = 0; i < Math.floor(bytes.length * 0.8); i += 16) bytes[i] = bytes[i]! ^ 0xff;
    writeFileSync(file, bytes);
    const result = await fsck(dataDir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/read_failed/);
    expect(result.stdout).toMatch(/Corruption/);
  });
});
