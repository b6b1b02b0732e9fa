import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../ledger/checkpoint.js';
import type { LedgerError } from '../../ledger/errors.js';
import { hashLeaf } from '../../ledger/hash.js';
import { openLevelStorage } from '../../ledger/level-storage.js';
import { MemoryLocation, openMemoryStorage } from '../../ledger/memory-storage.js';
import { checkStore } from '../../ledger/fsck.js';
import { LogReader } from '../../ledger/log.js';
import {
  computeKeyId,
  ed25519PublicKey,
  generatePrivateKey,
  noteSigner,
  noteVerifier,
  verifierKeyOf,
} from '../../ledger/note.js';
import { rootFromLeafHashes } from '../../ledger/proof.js';
import type { RootMismatchError } from '../../ledger/fsck.js';
import {
  isRetryable,
  openSequencer,
  type BatchDecision,
  type BatchHandler,
  type IntegrationContext,
  type SequencerClock,
} from '../../ledger/sequencer.js';
import type { LogStorage, StorageBatch } from '../../ledger/storage.js';

const ORIGIN = 'example.test/log';
const key = generatePrivateKey(ORIGIN);
const signer = noteSigner(key);
const verifier = noteVerifier(verifierKeyOf(key));
const encoder = new TextEncoder();

/** A clock whose timers fire only when the test advances it. */
class ManualClock implements SequencerClock {
  time = 1_800_000_000_000;
  #timers = new Map<number, { due: number; callback: () => void }>();
  #next = 1;

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { due: this.time + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  async advance(ms: number): Promise<void> {
    this.time += ms;
    for (const [id, timer] of [...this.#timers]) {
      if (timer.due <= this.time) {
        this.#timers.delete(id);
        timer.callback();
      }
    }
    await settle();
  }
}

/** Lets pending promise callbacks (and storage I/O) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A handler over text submissions: "dup:N" is a retry of entry N, "bad" is rejected, "big" makes
 * an oversized entry, anything else is appended with an index key "k/<text>". It records calls.
 */
class TextHandler {
  prepared: { items: string[]; context: IntegrationContext }[] = [];
  committedSizes: number[] = [];
  abortReasons: unknown[] = [];

  prepare(items: readonly string[], context: IntegrationContext): BatchDecision[] {
    this.prepared.push({ items: [...items], context });
    return items.map((item): BatchDecision => {
      if (item.startsWith('dup:')) return { index: Number(item.slice(4)) };
      if (item === 'bad') return { error: new Error('bad submission') };
      if (item === 'big') return { entry: new Uint8Array(65_536) };
      return { entry: encoder.encode(item), indexKeys: [encoder.encode(`k/${item}`)] };
    });
  }

  committed(_context: IntegrationContext, size: number): void {
    this.committedSizes.push(size);
  }

  abort(reason: unknown): void {
    this.abortReasons.push(reason);
  }
}

function handlerOf(text: TextHandler): BatchHandler<string> {
  return {
    prepare: (items, context) => text.prepare(items, context),
    committed: (context, size) => text.committed(context, size),
    aborted: (_context, reason) => text.abort(reason),
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e as LedgerError).code,
  );
}

/** Wraps a storage so a test can make the next commit fail. */
function flakyStorage(inner: LogStorage): LogStorage & { failNext: boolean } {
  return {
    failNext: false,
    readLatestCheckpoint: () => inner.readLatestCheckpoint(),
    readCheckpoint: (size) => inner.readCheckpoint(size),
    listCheckpoints: (from, limit) => inner.listCheckpoints(from, limit),
    readTile: (level, index) => inner.readTile(level, index),
    readBundle: (index) => inner.readBundle(index),
    readIndexKey: (k) => inner.readIndexKey(k),
    listIndexKeys: (prefix, limit) => inner.listIndexKeys(prefix, limit),
    readCosignatures: (size) => inner.readCosignatures(size),
    async commit(batch: StorageBatch) {
      if (this.failNext) {
        this.failNext = false;
        throw new Error('disk full');
      }
      return inner.commit(batch);
    },
    close: () => inner.close(),
  };
}

describe('Sequencer', () => {
  const directories: string[] = [];
  afterEach(async () => {
    for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
  });

  async function start(options: { batchSize?: number; maxPending?: number; storage?: LogStorage } = {}) {
    const storage = options.storage ?? openMemoryStorage();
    const clock = new ManualClock();
    const text = new TextHandler();
    const sequencer = await openSequencer(storage, signer, handlerOf(text), {
      clock,
      batchSize: options.batchSize ?? 4,
      batchInterval: 200,
      maxPending: options.maxPending,
    });
    return { storage, clock, text, sequencer };
  }

  it('when batchSize submissions arrive, it commits them at once with a signed checkpoint', async () => {
    const { storage, sequencer, text, clock } = await start();
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((item) => sequencer.submit(item)));
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    const leafHashes = ['a', 'b', 'c', 'd'].map((item) => hashLeaf(encoder.encode(item)));
    expect(results.map((r) => r.leafHash)).toEqual(leafHashes);
    const { checkpoint } = openCheckpoint(results[0]!.checkpoint, verifier, ORIGIN);
    expect(checkpoint.size).toBe(4);
    expect(checkpoint.rootHash).toEqual(rootFromLeafHashes(leafHashes));
    expect(results[3]!.size).toBe(4);
    expect(text.prepared).toEqual([{ items: ['a', 'b', 'c', 'd'], context: { time: clock.time, firstIndex: 0 } }]);
    expect(text.committedSizes).toEqual([4]);
    const stored = (await storage.readLatestCheckpoint())!;
    expect(stored.note).toBe(results[0]!.checkpoint);
    expect(await storage.readCheckpoint(4)).toEqual(stored);
    expect(await storage.readIndexKey(encoder.encode('k/c'))).toBe(2);
  });

  it('when fewer than batchSize arrive, it waits batchInterval after the first', async () => {
    const { storage, sequencer, clock } = await start({ batchSize: 10 });
    const first = sequencer.submit('a');
    await clock.advance(150);
    const second = sequencer.submit('b');
    await clock.advance(49);
    expect(sequencer.pending).toBe(2);
    expect(await storage.readLatestCheckpoint()).toBeUndefined();
    await clock.advance(1);
    expect((await first).index).toBe(0);
    expect((await second).index).toBe(1);
    expect(sequencer.pending).toBe(0);
  });

  it('when more than batchSize wait, it splits them in order', async () => {
    const { sequencer, text } = await start({ batchSize: 3 });
    const items = Array.from({ length: 8 }, (_, i) => `e${i}`);
    const pending = items.map((item) => sequencer.submit(item));
    await sequencer.flush();
    const results = await Promise.all(pending);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(text.prepared.map((p) => p.items)).toEqual([items.slice(0, 3), items.slice(3, 6), items.slice(6)]);
    expect(text.prepared.map((p) => p.context.firstIndex)).toEqual([0, 3, 6]);
    expect(results[7]!.size).toBe(8);
  });

  it('when the handler finds a duplicate, it answers with the existing entry', async () => {
    const { sequencer } = await start({ batchSize: 4 });
    const firstBatch = await Promise.all(['a', 'b', 'c', 'd'].map((item) => sequencer.submit(item)));
    const pending = ['e', 'dup:1', 'dup:4', 'f'].map((item) => sequencer.submit(item));
    const [e, oldDuplicate, newDuplicate, f] = await Promise.all(pending);
    expect(e!.index).toBe(4);
    expect(f!.index).toBe(5);
    expect(oldDuplicate!.index).toBe(1);
    expect(oldDuplicate!.leafHash).toEqual(firstBatch[1]!.leafHash);
    expect(newDuplicate!.index).toBe(4);
    expect(newDuplicate!.leafHash).toEqual(e!.leafHash);
    expect(oldDuplicate!.checkpoint).toBe(f!.checkpoint);
    expect(oldDuplicate!.size).toBe(6);
  });

  it('when a batch holds only duplicates and rejections, it signs nothing', async () => {
    const { storage, sequencer, text } = await start({ batchSize: 2 });
    const first = await Promise.all([sequencer.submit('a'), sequencer.submit('b')]);
    const note = (await storage.readLatestCheckpoint())!.note;
    const duplicate = sequencer.submit('dup:0');
    const bad = sequencer.submit('bad');
    expect((await duplicate).leafHash).toEqual(first[0]!.leafHash);
    expect((await duplicate).checkpoint).toBe(note);
    await expect(bad).rejects.toThrow('bad submission');
    expect((await storage.readLatestCheckpoint())!.note).toBe(note);
    expect(await storage.listCheckpoints(0, 10)).toHaveLength(1);
    expect(text.committedSizes).toEqual([2, 2]);
  });

  it('when a duplicate index is outside the log, it rejects that submission', async () => {
    const { sequencer } = await start({ batchSize: 2 });
    const wild = sequencer.submit('dup:7');
    const fine = sequencer.submit('a');
    expect(await codeOf(wild)).toBe('invalid_decision');
    expect((await fine).index).toBe(0);
  });

  it('when an entry exceeds 65,535 bytes, it rejects it and re-prepares the rest', async () => {
    const { sequencer, text } = await start({ batchSize: 3 });
    const pending = ['a', 'big', 'b'].map((item) => sequencer.submit(item));
    expect(await codeOf(pending[1]!)).toBe('entry_too_large');
    expect((await pending[0]!).index).toBe(0);
    expect((await pending[2]!).index).toBe(1);
    expect(text.prepared.map((p) => p.items)).toEqual([['a', 'big', 'b'], ['a', 'b']]);
    expect(text.abortReasons).toHaveLength(1);
    expect(text.committedSizes).toEqual([2]);
  });

  it('when the commit fails, it rejects retryably and keeps state', async () => {
    const storage = flakyStorage(openMemoryStorage());
    const { sequencer, text } = await start({ batchSize: 2, storage });
    storage.failNext = true;
    const failed = [sequencer.submit('a'), sequencer.submit('b')];
    for (const promise of failed) {
      const error = await promise.then(() => undefined, (e: unknown) => e as LedgerError);
      expect(error?.code).toBe('commit_failed');
      expect(isRetryable(error)).toBe(true);
    }
    expect(text.abortReasons).toHaveLength(1);
    expect(sequencer.size).toBe(0);
    expect(sequencer.failure).toBeUndefined();
    const retried = await Promise.all([sequencer.submit('a'), sequencer.submit('b')]);
    expect(retried.map((r) => r.index)).toEqual([0, 1]);
    expect(text.committedSizes).toEqual([2]);
  });

  it('when another writer changes the stored checkpoint, it stops and rejects everything', async () => {
    const { storage, sequencer } = await start({ batchSize: 2 });
    await Promise.all([sequencer.submit('a'), sequencer.submit('b')]);
    const stored = (await storage.readLatestCheckpoint())!;
    await storage.commit({ checkpoint: { ...stored, size: 3 } });
    const rejected = [sequencer.submit('c'), sequencer.submit('d')];
    for (const promise of rejected) expect(await codeOf(promise)).toBe('log_failed');
    expect((sequencer.failure as LedgerError).code).toBe('checkpoint_mismatch');
    expect(await codeOf(sequencer.submit('e'))).toBe('log_failed');
    expect((await storage.readLatestCheckpoint())!.size).toBe(3);
  });

  it('when the pool is full, it rejects new submissions as retryable', async () => {
    const { sequencer } = await start({ batchSize: 10, maxPending: 3 });
    const waiting = ['a', 'b', 'c'].map((item) => sequencer.submit(item));
    const full = sequencer.submit('d');
    const error = await full.then(() => undefined, (e: unknown) => e as LedgerError);
    expect(error?.code).toBe('pool_full');
    expect(isRetryable(error)).toBe(true);
    await sequencer.close();
    expect((await Promise.all(waiting)).map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it('when closed, it drains the pool and rejects later submissions', async () => {
    const { sequencer } = await start({ batchSize: 2 });
    const pending = ['a', 'b', 'c'].map((item) => sequencer.submit(item));
    await sequencer.close();
    expect((await Promise.all(pending)).map((r) => r.index)).toEqual([0, 1, 2]);
    expect(await codeOf(sequencer.submit('d'))).toBe('closed');
  });

  it('when the handler throws, it rejects that batch and keeps going', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const handler: BatchHandler<string> = {
      prepare: (items) => {
        calls++;
        if (calls === 1) throw new Error('handler bug');
        return items.map((item) => ({ entry: encoder.encode(item) }));
      },
    };
    const sequencer = await openSequencer(openMemoryStorage(), signer, handler, { clock, batchSize: 1 });
    expect(await codeOf(sequencer.submit('a'))).toBe('handler_failed');
    expect((await sequencer.submit('b')).index).toBe(0);
  });

  it('when reopened on LevelDB, it continues the same tree', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'ecert-sequencer-'));
    directories.push(directory);
    let storage = await openLevelStorage(directory, { createIfMissing: true });
    let { sequencer } = await start({ batchSize: 100, storage });
    const first = Array.from({ length: 300 }, (_, i) => sequencer.submit(`x${i}`));
    await sequencer.close();
    expect((await Promise.all(first))[299]!.index).toBe(299);
    await storage.close();

    storage = await openLevelStorage(directory);
    ({ sequencer } = await start({ batchSize: 100, storage }));
    expect(sequencer.size).toBe(300);
    const second = Array.from({ length: 50 }, (_, i) => sequencer.submit(`y${i}`));
    await sequencer.close();
    const last = (await Promise.all(second))[49]!;
    expect(last.index).toBe(349);
    const all = [...Array.from({ length: 300 }, (_, i) => `x${i}`), ...Array.from({ length: 50 }, (_, i) => `y${i}`)];
    expect(last.rootHash).toEqual(rootFromLeafHashes(all.map((item) => hashLeaf(encoder.encode(item)))));
    await storage.close();
  });

  it('when the stored right edge contradicts the checkpoint, it refuses to start', async () => {
    const location = new MemoryLocation();
    const storage = openMemoryStorage(location);
    const { sequencer } = await start({ batchSize: 5, storage });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((item) => sequencer.submit(item)));
    const tile = (await storage.readTile(0, 0))!.slice();
    tile[40] ^= 1;
    await storage.commit({ tiles: [{ level: 0, index: 0, hashes: tile }] });
    const error = await openSequencer(storage, signer, handlerOf(new TextHandler())).then(
      () => undefined,
      (e: unknown) => e as RootMismatchError,
    );
    expect(error?.code).toBe('root_mismatch');
    expect(error?.corrupt).toBe(true);
    expect(error?.size).toBe(5);
    expect(error?.storedRoot).toEqual((await storage.readLatestCheckpoint())!.rootHash);
    expect(error?.computedRoot).not.toEqual(error?.storedRoot);
  });

  it('when opened with another key or origin, it refuses to start', async () => {
    const storage = openMemoryStorage();
    const { sequencer } = await start({ batchSize: 1, storage });
    await sequencer.submit('a');
    const other = noteSigner(generatePrivateKey(ORIGIN));
    const handler = handlerOf(new TextHandler());
    expect(await codeOf(openSequencer(storage, other, handler))).toBe('signer_mismatch');
    expect(await codeOf(openSequencer(storage, signer, handler, { origin: 'other.test/log' }))).toBe(
      'origin_mismatch',
    );
  });

  it('when integrations follow one another, it stores each checkpoint by size', async () => {
    const { storage, sequencer } = await start({ batchSize: 3 });
    const pending = Array.from({ length: 10 }, (_, i) => sequencer.submit(`c${i}`));
    await sequencer.close();
    await Promise.all(pending);
    const checkpoints = await storage.listCheckpoints(0, 100);
    expect(checkpoints.map((c) => c.size)).toEqual([3, 6, 9, 10]);
    const all = Array.from({ length: 10 }, (_, i) => hashLeaf(encoder.encode(`c${i}`)));
    for (const c of checkpoints) expect(c.rootHash).toEqual(rootFromLeafHashes(all.slice(0, c.size)));
  });
});

describe('Sequencer crash safety', () => {
  it('when killed mid-stream, it keeps every acknowledged entry', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'ecert-crash-'));
    try {
      // Compile the ledger for a plain Node child; node_modules is linked for `level`.
      const build = path.join(work, 'build');
      const tsc = path.resolve('node_modules/typescript/bin/tsc');
      const sources = ['ledger/sequencer.ts', 'ledger/level-storage.ts'];
      const compiler = ['--outDir', build, '--module', 'nodenext', '--moduleResolution', 'nodenext'];
      const options = [...compiler, '--target', 'es2022', '--skipLibCheck', '--types', 'node'];
      await run(process.execPath, [tsc, ...sources, ...options]);
      await writeFile(path.join(work, 'package.json'), '{"type":"module"}');
      await symlink(path.resolve('node_modules'), path.join(work, 'node_modules'), 'dir');

      const data = path.join(work, 'data');
      const child = spawn(process.execPath, ['--input-type=module', '-e', CRASH_CHILD, build, data, ORIGIN], {
        cwd: work,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const acknowledged = await readUntil(child, 3000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('close', resolve));

      const storage = await openLevelStorage(data);
      try {
        const report = await checkStore(storage);
        expect(report.problems).toEqual([]);
        const latest = (await storage.readLatestCheckpoint())!;
        expect(latest.size).toBeGreaterThan(Math.max(...acknowledged));
        const reader = new LogReader(storage);
        for (const index of acknowledged.filter((_, i) => i % 97 === 0)) {
          expect(await reader.entry(index)).toEqual(encoder.encode(`crash entry ${index}`));
        }
        const sequencer = await openSequencer(storage, crashSigner, handlerOf(new TextHandler()));
        expect(sequencer.size).toBe(latest.size);
      } finally {
        await storage.close();
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

// Seed of the child's log key, so the parent can reopen the log with the same signer.
const CRASH_SEED = new Uint8Array(32).fill(9);
const crashSigner = noteSigner({ ...generatePrivateKey(ORIGIN), ...seedKey(CRASH_SEED) });

function seedKey(seed: Uint8Array) {
  const publicKey = ed25519PublicKey(seed);
  return { seed, publicKey, keyId: computeKeyId(ORIGIN, 1, publicKey) };
}

/**
 * The child: appends "crash entry <i>" forever on a LevelDB store and prints each index once its
 * submission resolves, that is after the commit.
 */
const CRASH_CHILD = `
  const [build, data, origin] = process.argv.slice(1);
  const { openLevelStorage } = await import(build + '/level-storage.js');
  const { openSequencer } = await import(build + '/sequencer.js');
  const note = await import(build + '/note.js');
  const seed = new Uint8Array(32).fill(9);
  const publicKey = note.ed25519PublicKey(seed);
  const key = { name: origin, type: 1, seed, publicKey, keyId: note.computeKeyId(origin, 1, publicKey) };
  const storage = await openLevelStorage(data, { createIfMissing: true });
  const handler = { prepare: (items) => items.map((i) => ({ entry: new TextEncoder().encode('crash entry ' + i) })) };
  const sequencer = await openSequencer(storage, note.noteSigner(key), handler, { batchSize: 64, batchInterval: 1 });
  for (let i = 0; ; i++) {
    while (sequencer.pending > 500) await new Promise((r) => setTimeout(r, 1));
    sequencer.submit(i).then((r) => process.stdout.write(r.index + '\\n'));
  }
`;

async function run(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${path.basename(args[0] ?? command)} exited with ${String(code)}`);
}

/** Collects the indexes the child prints until `count` arrived. */
function readUntil(child: ReturnType<typeof spawn>, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const indexes: number[] = [];
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) indexes.push(Number(line));
      if (indexes.length >= count) resolve(indexes);
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${String(code)} after ${indexes.length} entries`)));
  });
}
