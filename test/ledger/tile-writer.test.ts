import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBundle } from '../../ledger/bundle.js';
import type { LedgerError } from '../../ledger/errors.js';
import { HASH_SIZE, hashLeaf } from '../../ledger/hash.js';
import { openMemoryStorage } from '../../ledger/memory-storage.js';
import { buildTreeLevels, rootFromLeafHashes, treeRoot } from '../../ledger/proof.js';
import { readTileAtWidth, type LogStorage } from '../../ledger/storage.js';
import { tileHashReader, tilesChangedBetween, tilesForSize } from '../../ledger/tile.js';
import { TileWriter, type TileGrowth } from '../../ledger/tile-writer.js';

function entry(i: number): Uint8Array {
  // Entries of varying length, so bundle offsets are not regular.
  const out = new Uint8Array(4 + (i % 7));
  new DataView(out.buffer).setUint32(0, i);
  return out;
}

/** A deterministic generator, so a failing growth sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function commitGrowth(storage: LogStorage, growth: TileGrowth): Promise<void> {
  await storage.commit({ tiles: growth.tiles, bundles: growth.bundles });
}

function readerFor(storage: LogStorage, size: number) {
  return tileHashReader(size, (tile) => readTileAtWidth(storage, tile.level, tile.index, tile.width));
}

function tileHashesFromLevels(levels: Uint8Array[][], level: number, index: number, width: number): Uint8Array {
  const out = new Uint8Array(width * HASH_SIZE);
  for (let i = 0; i < width; i++) out.set(levels[level * 8]![index * 256 + i]!, i * HASH_SIZE);
  return out;
}

/** Fast byte comparison; falls back to a deep diff only on a mismatch. */
function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (!Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)) {
    expect(actual).toEqual(expected);
  }
}

async function expectCode(run: () => unknown, code: string): Promise<void> {
  let error: LedgerError | undefined;
  try {
    await run();
  } catch (e) {
    error = e as LedgerError;
  }
  expect(error?.code).toBe(code);
}

describe('TileWriter', () => {
  it('when the tree is empty, it has size 0 and the empty root', () => {
    const writer = TileWriter.empty();
    expect(writer.size).toBe(0);
    expect(writer.root()).toEqual(rootFromLeafHashes([]));
    const growth = writer.grow([]);
    expect(growth.tiles).toEqual([]);
    expect(growth.bundles).toEqual([]);
    expect(growth.next.size).toBe(0);
  });

  it('when grown to 70,000+ leaves in uneven batches, it matches an in-memory tree', async () => {
    const total = 70_500;
    const entries = Array.from({ length: total }, (_, i) => entry(i));
    const leafHashes = entries.map((e) => hashLeaf(e));
    const levels = buildTreeLevels(leafHashes);
    const storage = openMemoryStorage();
    const next = random(7);
    let writer = TileWriter.empty();
    const sizes: number[] = [];

    // Batch sizes from 1 to ~3000, with exact tile boundaries (256, 65536) among the sizes.
    let size = 0;
    const forced = [255, 256, 257, 511, 512, 65_535, 65_536, 65_537];
    while (size < total) {
      const target = forced.find((f) => f > size);
      let count = 1 + Math.floor(next() * (next() < 0.2 ? 3000 : 300));
      if (target !== undefined && size + count > target && next() < 0.5) count = target - size;
      count = Math.min(count, total - size);
      const growth = writer.grow(entries.slice(size, size + count));

      // Each changed tile is written once, at its final width, exactly as tile.ts predicts.
      const written = growth.tiles.map((t) => `${t.level}/${t.index}/${t.hashes.length / HASH_SIZE}`);
      const predicted = tilesChangedBetween(size, size + count).map((t) => `${t.level}/${t.index}/${t.width}`);
      expect(new Set(written).size).toBe(written.length);
      expect([...written].sort()).toEqual([...predicted].sort());
      for (const tile of growth.tiles) {
        const width = tile.hashes.length / HASH_SIZE;
        expectBytes(tile.hashes, tileHashesFromLevels(levels, tile.level, tile.index, width));
      }
      growth.leafHashes.forEach((hash, i) => expectBytes(hash, leafHashes[size + i]!));

      await commitGrowth(storage, growth);
      writer = growth.next;
      size += count;
      sizes.push(size);
      expect(writer.size).toBe(size);
      expectBytes(writer.root(), await treeRoot(size, readerFor(storage, size)));
    }

    // The stored right edge of every intermediate size still reads back by slicing.
    for (const s of sizes.filter((_, i) => i % 5 === 0)) {
      for (const tile of tilesForSize(s)) {
        const stored = await readTileAtWidth(storage, tile.level, tile.index, tile.width);
        expectBytes(stored, tileHashesFromLevels(levels, tile.level, tile.index, tile.width));
      }
    }
    expect(writer.root()).toEqual(rootFromLeafHashes(leafHashes));
    for (let b = 0; b * 256 < total; b++) {
      const bundle = (await storage.readBundle(b))!;
      const want = entries.slice(b * 256, (b + 1) * 256);
      const decoded = decodeBundle(bundle);
      expect(decoded.length).toBe(want.length);
      decoded.forEach((e, i) => expectBytes(e, want[i]!));
    }
    await storage.close();
  });

  it('when loaded from storage, it continues like the original', async () => {
    const storage = openMemoryStorage();
    const next = random(11);
    let writer = TileWriter.empty();
    let size = 0;
    const leafHashes: Uint8Array[] = [];
    while (size < 5000) {
      const count = 1 + Math.floor(next() * 400);
      const batch = Array.from({ length: count }, (_, i) => entry(size + i));
      const growth = writer.grow(batch);
      leafHashes.push(...growth.leafHashes);
      await commitGrowth(storage, growth);
      size += count;
      const loaded = await TileWriter.load(storage, size);
      expect(loaded.size).toBe(size);
      expect(loaded.root()).toEqual(growth.next.root());
      // Both writers then produce the same writes for the same entries.
      const probe = [entry(1e6), entry(1e6 + 1)];
      expect(loaded.grow(probe).tiles).toEqual(growth.next.grow(probe).tiles);
      expect(loaded.grow(probe).bundles).toEqual(growth.next.grow(probe).bundles);
      writer = next() < 0.5 ? loaded : growth.next;
    }
    expect(writer.root()).toEqual(rootFromLeafHashes(leafHashes));
    await storage.close();
  });

  it('when grown, it leaves the old writer unchanged', () => {
    const base = TileWriter.empty().grow(Array.from({ length: 300 }, (_, i) => entry(i))).next;
    const rootBefore = base.root();
    const first = base.grow([entry(1000), entry(1001)]);
    const second = base.grow([entry(2000)]);
    expect(base.size).toBe(300);
    expect(base.root()).toEqual(rootBefore);
    expect(first.next.root()).not.toEqual(second.next.root());
    const edge = (growth: TileGrowth) => growth.tiles.find((t) => t.level === 0 && t.index === 1)!;
    expect(edge(first).hashes.length).toBe(46 * HASH_SIZE);
    expect(edge(second).hashes.length).toBe(45 * HASH_SIZE);
    expect(edge(second).hashes.subarray(0, 44 * HASH_SIZE)).toEqual(edge(first).hashes.subarray(0, 44 * HASH_SIZE));
    expect(edge(second).hashes.subarray(44 * HASH_SIZE)).toEqual(hashLeaf(entry(2000)));
  });

  it('when batches vary, its root matches all leaves', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 6 }), (counts) => {
        let writer = TileWriter.empty();
        const leafHashes: Uint8Array[] = [];
        for (const count of counts) {
          const batch = Array.from({ length: count }, (_, i) => entry(leafHashes.length + i));
          const growth = writer.grow(batch);
          leafHashes.push(...growth.leafHashes);
          writer = growth.next;
        }
        expect(writer.size).toBe(leafHashes.length);
        expect(writer.root()).toEqual(rootFromLeafHashes(leafHashes));
      }),
      { numRuns: 60 },
    );
  });

  it('when leaf hashes are given, it uses them and checks their count', async () => {
    const entries = [entry(1), entry(2)];
    const hashes = entries.map((e) => hashLeaf(e));
    expect(TileWriter.empty().grow(entries, hashes).next.root()).toEqual(rootFromLeafHashes(hashes));
    await expectCode(() => TileWriter.empty().grow(entries, hashes.slice(1)), 'invalid_leaf_hashes');
  });

  it('when an entry exceeds 65,535 bytes, it rejects the batch', async () => {
    await expectCode(() => TileWriter.empty().grow([new Uint8Array(65_536)]), 'invalid_bundle');
  });

  it('when the stored right edge is missing or short, it fails to load', async () => {
    const storage = openMemoryStorage();
    const growth = TileWriter.empty().grow(Array.from({ length: 300 }, (_, i) => entry(i)));
    await commitGrowth(storage, growth);
    await expectCode(() => TileWriter.load(storage, 301), 'tile_short');
    await storage.commit({ bundles: [{ index: 1, bundle: new Uint8Array([0, 0]) }] });
    await expectCode(() => TileWriter.load(storage, 258), 'bundle_short');
    await storage.close();

    const empty = openMemoryStorage();
    await expectCode(() => TileWriter.load(empty, 5), 'tile_missing');
    await empty.commit({ tiles: [{ level: 0, index: 0, hashes: new Uint8Array(5 * 32) }] });
    await expectCode(() => TileWriter.load(empty, 5), 'bundle_missing');
    await empty.close();
  });
});
