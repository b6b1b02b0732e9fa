import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBundle } from '../../ledger/bundle.js';
import type { LedgerError } from '../../ledger/errors.js';
import { hashLeaf } from '../../ledger/hash.js';
import { LogReader } from '../../ledger/log.js';
import { openMemoryStorage } from '../../ledger/memory-storage.js';
import { buildTreeLevels, rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../../ledger/proof.js';
import type { LogStorage } from '../../ledger/storage.js';
import { TileWriter } from '../../ledger/tile-writer.js';

function entry(i: number): Uint8Array {
  const out = new Uint8Array(3 + (i % 5));
  new DataView(out.buffer).setUint16(0, i % 65536);
  out[2] = Math.floor(i / 65536);
  return out;
}

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  return run().then(
    () => undefined,
    (e: unknown) => (e as LedgerError).code,
  );
}

/** Builds a log of `sizes[last]` entries, committing a checkpoint at each size in `sizes`. */
async function buildLog(storage: LogStorage, sizes: number[]): Promise<Uint8Array[]> {
  let writer = TileWriter.empty();
  const leafHashes: Uint8Array[] = [];
  for (const size of sizes) {
    const entries = Array.from({ length: size - writer.size }, (_, i) => entry(writer.size + i));
    const growth = writer.grow(entries);
    leafHashes.push(...growth.leafHashes);
    writer = growth.next;
    const checkpoint = { size, rootHash: writer.root(), note: `test\n${size}\n` };
    await storage.commit({ tiles: growth.tiles, bundles: growth.bundles, checkpoint });
  }
  return leafHashes;
}

/** Counts tile reads that reach the storage. */
function countingStorage(inner: LogStorage): LogStorage & { tileReads: number } {
  const counting = Object.assign(Object.create(null) as object, { tileReads: 0 }) as LogStorage & {
    tileReads: number;
  };
  counting.readLatestCheckpoint = () => inner.readLatestCheckpoint();
  counting.readCheckpoint = (size) => inner.readCheckpoint(size);
  counting.readBundle = (index) => inner.readBundle(index);
  counting.readTile = (level, index) => {
    counting.tileReads++;
    return inner.readTile(level, index);
  };
  return counting;
}

describe('LogReader', () => {
  const sizes = [1, 3, 256, 300, 4000, 65_536, 70_000];
  const storage = openMemoryStorage();
  let leafHashes: Uint8Array[];
  let levels: Uint8Array[][];
  const reader = new LogReader(storage);

  beforeAll(async () => {
    leafHashes = await buildLog(storage, sizes);
    levels = buildTreeLevels(leafHashes);
  });

  it('when a tile is implied, it serves that width', async () => {
    const partial = await reader.tile(0, 273, 112);
    expect(partial.length).toBe(112 * 32);
    expect(partial.subarray(0, 32)).toEqual(leafHashes[273 * 256]);
    expect((await reader.tile(1, 1, 17)).subarray(16 * 32)).toEqual(levels[8]![256 + 16]);
    expect((await reader.tile(2, 0, 1))).toEqual(levels[16]![0]);
    expect((await reader.tile(0, 0)).length).toBe(8192);
    expect((await reader.tile(1, 0)).subarray(255 * 32)).toEqual(levels[8]![255]);
  });

  it('when an older size implies a narrower tile, it serves the prefix', async () => {
    expect(await reader.tile(0, 0, 3)).toEqual((await reader.tile(0, 0)).subarray(0, 96));
    expect(await reader.tile(0, 1, 44)).toEqual((await reader.tile(0, 1)).subarray(0, 44 * 32));
    expect(decodeBundle(await reader.bundle(0, 3))).toEqual([entry(0), entry(1), entry(2)]);
  });

  it('when a tile or width is beyond the latest checkpoint, it returns not_found', async () => {
    expect(await codeOf(() => reader.tile(0, 273, 113))).toBe('not_found');
    expect(await codeOf(() => reader.tile(0, 273))).toBe('not_found');
    expect(await codeOf(() => reader.tile(0, 274, 1))).toBe('not_found');
    expect(await codeOf(() => reader.tile(1, 1, 18))).toBe('not_found');
    expect(await codeOf(() => reader.tile(3, 0, 1))).toBe('not_found');
    expect(await codeOf(() => reader.bundle(273))).toBe('not_found');
    expect(await codeOf(() => reader.bundle(273, 113))).toBe('not_found');
  });

  it('when tile arguments are malformed, it returns invalid_argument', async () => {
    expect(await codeOf(() => reader.tile(0, 0, 0))).toBe('invalid_argument');
    expect(await codeOf(() => reader.tile(0, 0, 257))).toBe('invalid_argument');
    expect(await codeOf(() => reader.tile(64, 0))).toBe('invalid_argument');
    expect(await codeOf(() => reader.tile(0, -1))).toBe('invalid_argument');
    expect(await codeOf(() => reader.bundle(0.5))).toBe('invalid_argument');
  });

  it('when reading an entry, it matches its leaf hash', async () => {
    for (const index of [0, 1, 255, 256, 257, 4095, 65_535, 65_536, 69_999]) {
      expect(await reader.entry(index)).toEqual(entry(index));
      expect(await reader.leafHash(index)).toEqual(hashLeaf(entry(index)));
    }
    expect(decodeBundle(await reader.bundle(273, 112))).toHaveLength(112);
    expect(await codeOf(() => reader.entry(70_000))).toBe('not_found');
    expect(await codeOf(() => reader.leafHash(70_000))).toBe('not_found');
  });

  it('when proofs are requested, they verify against each checkpoint', async () => {
    for (const size of sizes) {
      const checkpoint = await reader.checkpoint(size);
      expect(checkpoint.rootHash).toEqual(rootFromLeafHashes(leafHashes.slice(0, size)));
      for (const index of [0, Math.floor(size / 2), size - 1]) {
        const proof = await reader.inclusionProof(index, size);
        expect(() => verifyInclusion(index, size, leafHashes[index]!, proof, checkpoint.rootHash)).not.toThrow();
      }
    }
    for (let i = 0; i < sizes.length; i++) {
      for (let j = i; j < sizes.length; j++) {
        const [older, newer] = [await reader.checkpoint(sizes[i]!), await reader.checkpoint(sizes[j]!)];
        const proof = await reader.consistencyProof(older.size, newer.size);
        expect(() => verifyConsistency(older.size, newer.size, proof, older.rootHash, newer.rootHash)).not.toThrow();
      }
    }
  });

  it('when listing checkpoints in a range, it returns the stored sizes in it', async () => {
    expect((await reader.listCheckpoints(0, 70_000)).map((c) => c.size)).toEqual(sizes.filter((s) => s < 70_000));
    expect((await reader.listCheckpoints(257, 600)).map((c) => c.size)).toEqual(sizes.filter((s) => s >= 257 && s < 600));
    expect(await reader.listCheckpoints(5, 5)).toEqual([]);
  });

  it('when the size is omitted, it proves inclusion in the latest tree', async () => {
    const latest = (await reader.latestCheckpoint())!;
    const proof = await reader.inclusionProof(12_345);
    expect(() => verifyInclusion(12_345, latest.size, leafHashes[12_345]!, proof, latest.rootHash)).not.toThrow();
  });

  it('when a proof needs a size beyond the latest checkpoint, it returns not_found', async () => {
    expect(await codeOf(() => reader.inclusionProof(0, 70_001))).toBe('not_found');
    expect(await codeOf(() => reader.consistencyProof(1, 70_001))).toBe('not_found');
    expect(await codeOf(() => reader.inclusionProof(70_000, 70_000))).toBe('index_out_of_range');
    expect(await codeOf(() => reader.checkpoint(5))).toBe('not_found');
  });

  it('when full tiles are read again, it serves them from its bounded cache', async () => {
    const counting = countingStorage(storage);
    const cached = new LogReader(counting, { tileCacheSize: 2 });
    await cached.tile(0, 0);
    await cached.tile(0, 1);
    await cached.tile(0, 0);
    expect(counting.tileReads).toBe(2);
    await cached.tile(0, 2);
    await cached.tile(0, 1);
    expect(counting.tileReads).toBe(4);
    // A partial tile is cached at its stored width; its first hashes never change.
    await cached.tile(0, 273, 5);
    await cached.tile(0, 273, 5);
    expect(counting.tileReads).toBe(5);
  });

  it('when a partial tile grows, it reads the wider tile again', async () => {
    const grown = openMemoryStorage();
    const counting = countingStorage(grown);
    const reader = new LogReader(counting);
    let writer = TileWriter.empty();
    const grow = async (count: number): Promise<Uint8Array[]> => {
      const growth = writer.grow(Array.from({ length: count }, (_, i) => entry(writer.size + i)));
      writer = growth.next;
      const checkpoint = { size: writer.size, rootHash: writer.root(), note: `test\n${writer.size}\n` };
      await grown.commit({ tiles: growth.tiles, bundles: growth.bundles, checkpoint });
      return growth.leafHashes;
    };
    const first = await grow(300);
    expect(await reader.tile(0, 1, 44)).toEqual(new Uint8Array(Buffer.concat(first.slice(256, 300))));
    // The store grows by another batch; the cached 44-hash tile cannot serve 100 hashes.
    const second = await grow(56);
    expect(await reader.tile(0, 1, 44)).toEqual(new Uint8Array(Buffer.concat(first.slice(256, 300))));
    expect(counting.tileReads).toBe(1);
    expect(await reader.tile(0, 1, 100)).toEqual(new Uint8Array(Buffer.concat([...first.slice(256, 300), ...second])));
    expect(counting.tileReads).toBe(2);
  });

  it('when the store lost a tile the checkpoint implies, it reports corruption', async () => {
    const damaged = openMemoryStorage();
    await buildLog(damaged, [10]);
    await damaged.commit({ tiles: [{ level: 0, index: 0, hashes: new Uint8Array(5 * 32) }] });
    const damagedReader = new LogReader(damaged);
    expect(await codeOf(() => damagedReader.tile(0, 0, 10))).toBe('tile_short');
    expect(await codeOf(() => damagedReader.inclusionProof(0, 10))).toBe('tile_short');
  });

  it('when the log is empty, it serves nothing', async () => {
    const empty = new LogReader(openMemoryStorage());
    expect(await empty.latestCheckpoint()).toBeUndefined();
    expect(await codeOf(() => empty.tile(0, 0, 1))).toBe('not_found');
    expect(await codeOf(() => empty.entry(0))).toBe('not_found');
    expect(await codeOf(() => empty.inclusionProof(0))).toBe('index_out_of_range');
  });
});
