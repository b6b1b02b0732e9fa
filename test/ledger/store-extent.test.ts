/**
 * The extent check on a real LevelDB store whose latest-checkpoint record was rolled back or
 * deleted. The damage goes straight to LevelDB, as an operator restoring one key or a faulty
 * copy would leave it, since the storage layer never writes a checkpoint below the latest.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';

import { formatCheckpoint } from '../../ledger/checkpoint.js';
import type { StorageError } from '../../ledger/errors.js';
import { checkRightEdge, checkStore, loadRightEdge } from '../../ledger/fsck.js';
import { openLevelStorage } from '../../ledger/level-storage.js';
import { generatePrivateKey, noteSigner, noteVerifier, signNote, verifierKeyOf } from '../../ledger/note.js';
import { openSequencer } from '../../ledger/sequencer.js';
import type { LogStorage } from '../../ledger/storage.js';
import { TileWriter } from '../../ledger/tile-writer.js';

const ORIGIN = 'example.test/extent';
const logKey = generatePrivateKey(ORIGIN);
const signer = noteSigner(logKey);
const LATEST_KEY = Buffer.from('L');

const directories: string[] = [];

afterEach(async () => {
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

/** Builds a LevelDB log with a signed checkpoint at each of `sizes`, and returns its directory. */
async function buildLog(sizes: number[]): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'ecert-extent-'));
  directories.push(directory);
  const storage = await openLevelStorage(directory, { createIfMissing: true });
  let writer = TileWriter.empty();
  for (const size of sizes) {
    const entries = Array.from({ length: size - writer.size }, (_, i) => new TextEncoder().encode(`entry ${writer.size + i}`));
    const growth = writer.grow(entries);
    writer = growth.next;
    const rootHash = writer.root();
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size, rootHash, extensions: [] }), [signer]);
    await storage.commit({ tiles: growth.tiles, bundles: growth.bundles, checkpoint: { size, rootHash, note } });
  }
  await storage.close();
  return directory;
}

/**
 * Points the latest-checkpoint record at the stored checkpoint of `size`, or deletes it, and
 * deletes the stored checkpoints of `dropSizes`.
 */
async function setLatest(directory: string, size: number | undefined, dropSizes: number[] = []): Promise<void> {
  const db = new Level<Buffer, Buffer>(directory, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    if (size === undefined) {
      await db.del(LATEST_KEY);
    } else {
      await db.put(LATEST_KEY, (await db.get(checkpointKey(size)))!);
    }
    for (const dropped of dropSizes) await db.del(checkpointKey(dropped));
  } finally {
    await db.close();
  }
}

/** The LevelDB key of the checkpoint of `size`: 'C' and the size as 8 bytes big-endian. */
function checkpointKey(size: number): Buffer {
  const key = Buffer.alloc(9);
  key[0] = 0x43;
  key.writeUInt32BE(size, 5);
  return key;
}

async function withStore<T>(directory: string, use: (storage: LogStorage) => Promise<T>): Promise<T> {
  const storage = await openLevelStorage(directory);
  try {
    return await use(storage);
  } finally {
    await storage.close();
  }
}

async function startupError(directory: string): Promise<StorageError | undefined> {
  return withStore(directory, (storage) =>
    loadRightEdge(storage).then(
      () => undefined,
      (error: unknown) => error as StorageError,
    ),
  );
}

describe('store extent', () => {
  it('when the store is intact, startup passes', async () => {
    const directory = await buildLog([176, 198, 1302]);
    expect(await startupError(directory)).toBeUndefined();
  });

  it('when the latest record is rolled back, startup fails', async () => {
    const directory = await buildLog([176, 198, 1302]);
    await setLatest(directory, 176);
    const error = await startupError(directory);
    expect(error?.code).toBe('beyond_latest_checkpoint');
    expect(error?.corrupt).toBe(true);
    expect(error?.message).toContain('checkpoint of size 198');
  });

  it('when rolled back to a full tile, the next tile fails startup', async () => {
    // With checkpoint 300 deleted too, only tile 0/001 lies beyond size 256.
    const directory = await buildLog([256, 300]);
    await setLatest(directory, 256, [300]);
    const error = await startupError(directory);
    expect(error?.code).toBe('beyond_latest_checkpoint');
    expect(error?.message).toContain('tile 0/1 with 44 hashes');
  });

  it('when rolled back within a tile, the wider tile fails startup', async () => {
    const directory = await buildLog([100, 150]);
    await setLatest(directory, 100, [150]);
    const error = await startupError(directory);
    expect(error?.code).toBe('beyond_latest_checkpoint');
    expect(error?.message).toContain('tile 0/0 with 150 hashes where the tree covers 100');
  });

  it('when the latest record is deleted, startup fails', async () => {
    const directory = await buildLog([176, 300]);
    await setLatest(directory, undefined);
    const error = await startupError(directory);
    expect(error?.code).toBe('latest_checkpoint_missing');
    expect(error?.message).toContain('checkpoint of size 176');
  });

  it('when rolled back, the sequencer does not open', async () => {
    const directory = await buildLog([176, 198]);
    await setLatest(directory, 176);
    const error = await withStore(directory, (storage) =>
      openSequencer(storage, signer, { prepare: () => [] }).then(
        () => undefined,
        (e: unknown) => e as StorageError,
      ),
    );
    expect(error?.code).toBe('beyond_latest_checkpoint');
  });

  it('when rolled back, fsck reports it at the rolled-back size', async () => {
    const directory = await buildLog([176, 198, 1302]);
    await setLatest(directory, 176);
    const report = await withStore(directory, (storage) => checkStore(storage));
    expect(report.size).toBe(176);
    const places = report.problems.map((p) => `${p.code} ${p.where}`);
    expect(places).toContain('beyond_latest_checkpoint checkpoint 176');
    expect(places).toContain('checkpoint_beyond_latest checkpoint 198');
  });

  it('when the latest record is deleted, fsck checks up to the largest checkpoint', async () => {
    const directory = await buildLog([176, 300]);
    await setLatest(directory, undefined);
    const report = await withStore(directory, (storage) => checkStore(storage));
    expect(report.problems.map((p) => p.code)).toEqual(['latest_checkpoint_missing']);
    expect(report.size).toBe(300);
    expect(report.checkpointsChecked).toBe(2);
  });

  it('when a right-edge tile is damaged, fsck reports the checkpoint size', async () => {
    const directory = await buildLog([300]);
    await withStore(directory, async (storage) => {
      const tile = (await storage.readTile(0, 1))!.slice();
      tile[5] = tile[5]! ^ 0x01;
      await storage.commit({ tiles: [{ level: 0, index: 1, hashes: tile }] });
    });
    const edge = await withStore(directory, (storage) => checkRightEdge(storage));
    expect(edge.size).toBe(300);
    expect(edge.problems.map((p) => `${p.code} ${p.where}`)).toEqual(['root_mismatch checkpoint 300']);
  });

  it('when checkpoints carry another key, fsck reports each', async () => {
    const directory = await buildLog([10, 20]);
    const other = noteVerifier(verifierKeyOf(generatePrivateKey(ORIGIN)));
    const report = await withStore(directory, (storage) => checkStore(storage, { verifier: other }));
    expect(report.problems.map((p) => `${p.code} ${p.where}`)).toEqual([
      'no_verified_signature checkpoint 10',
      'no_verified_signature checkpoint 20',
    ]);
    const own = await withStore(directory, (storage) => checkStore(storage, { verifier: noteVerifier(verifierKeyOf(logKey)) }));
    expect(own.problems).toEqual([]);
  });
});
