import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../ledger/checkpoint.js';
import { checkRightEdge, checkStore, type FsckReport } from '../../ledger/fsck.js';
import { generatePrivateKey, noteSigner, signNote } from '../../ledger/note.js';
import { openMemoryStorage } from '../../ledger/memory-storage.js';
import type { LogStorage, StoredCheckpoint } from '../../ledger/storage.js';
import { TileWriter } from '../../ledger/tile-writer.js';

const ORIGIN = 'example.test/fsck';
const signer = noteSigner(generatePrivateKey(ORIGIN));

function entry(i: number): Uint8Array {
  return new TextEncoder().encode(`entry ${i}`);
}

function signedCheckpoint(size: number, rootHash: Uint8Array): StoredCheckpoint {
  const note = signNote(formatCheckpoint({ origin: ORIGIN, size, rootHash, extensions: [] }), [signer]);
  return { size, rootHash, note };
}

/** Builds a log with a signed checkpoint at each of `sizes`. */
async function buildLog(sizes: number[]): Promise<LogStorage> {
  const storage = openMemoryStorage();
  let writer = TileWriter.empty();
  for (const size of sizes) {
    const entries = Array.from({ length: size - writer.size }, (_, i) => entry(writer.size + i));
    const growth = writer.grow(entries);
    writer = growth.next;
    const checkpoint = signedCheckpoint(size, writer.root());
    await storage.commit({ tiles: growth.tiles, bundles: growth.bundles, checkpoint });
  }
  return storage;
}

/** Flips one bit of a stored tile. */
async function flipTile(storage: LogStorage, level: number, index: number, byte: number): Promise<void> {
  const tile = (await storage.readTile(level, index))!.slice();
  tile[byte] ^= 0x01;
  await storage.commit({ tiles: [{ level, index, hashes: tile }] });
}

/** Flips one bit of a stored bundle. */
async function flipBundle(storage: LogStorage, index: number, byte: number): Promise<void> {
  const bundle = (await storage.readBundle(index))!.slice();
  bundle[byte] ^= 0x01;
  await storage.commit({ bundles: [{ index, bundle }] });
}

function places(report: FsckReport): string[] {
  return report.problems.map((p) => `${p.code} ${p.where}`);
}

const SIZES = [1, 300, 65_536, 70_000];

describe('checkStore', () => {
  it('when the store is intact, it finds no problem', async () => {
    const storage = await buildLog(SIZES);
    const report = await checkStore(storage);
    expect(report.problems).toEqual([]);
    expect(report.size).toBe(70_000);
    // 274 level-0 tiles, 2 level-1 tiles, 1 level-2 tile.
    expect(report.tilesChecked).toBe(277);
    expect(report.bundlesChecked).toBe(274);
    expect(report.checkpointsChecked).toBe(4);
  });

  it('when the store is empty, it finds no problem', async () => {
    const report = await checkStore(openMemoryStorage());
    expect(report.problems).toEqual([]);
    expect(report.size).toBe(0);
  });

  it('when an old level-0 tile is damaged, it names that tile', async () => {
    const storage = await buildLog(SIZES);
    await flipTile(storage, 0, 5, 100);
    const report = await checkStore(storage);
    expect(places(report)).toEqual(['tile_mismatch tile/0/005']);
    expect(report.problems[0]!.message).toContain('tile/entries/005');
    expect((await checkRightEdge(storage)).problems).toEqual([]);
  });

  it('when an old bundle is damaged, it names that bundle', async () => {
    const storage = await buildLog(SIZES);
    await flipBundle(storage, 12, 40);
    const report = await checkStore(storage);
    expect(places(report)).toEqual(['bundle_mismatch tile/entries/012']);
  });

  it('when the right-edge tile is damaged, it names the tile and the root', async () => {
    const storage = await buildLog(SIZES);
    await flipTile(storage, 0, 273, 32 * 50);
    const edge = await checkRightEdge(storage);
    expect(places(edge)).toEqual(['root_mismatch checkpoint 70000']);
    const report = await checkStore(storage);
    expect(places(report)).toContain('root_mismatch checkpoint 70000');
    expect(places(report)).toContain('tile_mismatch tile/0/273.p/112');
    expect(places(report)).toContain('checkpoint_mismatch checkpoint 70000');
    // The older checkpoints do not reach hash 50 of that tile.
    expect(places(report).filter((p) => p.startsWith('checkpoint_mismatch'))).toHaveLength(1);
  });

  it('when a level-1 tile is damaged, it names that tile only', async () => {
    const storage = await buildLog(SIZES);
    await flipTile(storage, 1, 0, 32 * 7 + 3);
    const report = await checkStore(storage);
    expect(places(report)).toContain('tile_mismatch tile/1/000');
    expect(report.problems.find((p) => p.where === 'tile/1/000')!.message).toContain('tile/0/007');
    expect(places(report).some((p) => p.includes('tile/2/'))).toBe(false);
  });

  it('when the top tile is damaged, it names it', async () => {
    const storage = await buildLog(SIZES);
    await flipTile(storage, 2, 0, 0);
    const report = await checkStore(storage);
    expect(places(report)).toContain('tile_mismatch tile/2/000.p/1');
    expect(places(report)).toContain('root_mismatch checkpoint 70000');
  });

  it('when a tile or bundle is missing or short, it says so', async () => {
    const storage = await buildLog([600]);
    await storage.commit({
      tiles: [{ level: 0, index: 1, hashes: (await storage.readTile(0, 1))!.slice(0, 32 * 10) }],
      bundles: [{ index: 0, bundle: new Uint8Array([0, 1, 7]) }],
    });
    const report = await checkStore(storage);
    expect(places(report)).toContain('tile_short tile/0/001');
    expect(places(report)).toContain('bundle_short tile/entries/000');
  });

  it('when an older checkpoint disagrees with the tree, it names that checkpoint', async () => {
    const storage = openMemoryStorage();
    const first = TileWriter.empty().grow(Array.from({ length: 10 }, (_, i) => entry(i)));
    const wrongRoot = new Uint8Array(32).fill(7);
    await storage.commit({ tiles: first.tiles, bundles: first.bundles, checkpoint: signedCheckpoint(10, wrongRoot) });
    const second = first.next.grow(Array.from({ length: 10 }, (_, i) => entry(10 + i)));
    const checkpoint = signedCheckpoint(20, second.next.root());
    await storage.commit({ tiles: second.tiles, bundles: second.bundles, checkpoint });
    const report = await checkStore(storage);
    expect(places(report)).toEqual(['checkpoint_mismatch checkpoint 10']);
  });

  it('when a checkpoint note disagrees with its stored size, it reports note_mismatch', async () => {
    const storage = await buildLog([10]);
    const latest = (await storage.readLatestCheckpoint())!;
    const lying = signedCheckpoint(11, latest.rootHash).note;
    await storage.commit({ checkpoint: { ...latest, note: lying } });
    const report = await checkStore(storage);
    expect(places(report)).toContain('note_mismatch checkpoint 10');
  });
});
