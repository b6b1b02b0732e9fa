/**
 * The conformance suite every LogStorage backend runs. A backend's test file calls
 * `describeStorageConformance` with a factory; the suite registers its vitest tests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StorageError } from '../../ledger/errors.js';
import type { LogStorage, StorageBatch, StoredCheckpoint } from '../../ledger/storage.js';

/** A place to open stores on: a fresh directory, or a fresh in-memory location. */
export interface StorageLocation {
  /** Opens a store on this location; a second open while one is open must fail. */
  open(): Promise<LogStorage>;
  /** Removes whatever the location left behind (called after every store on it is closed). */
  remove(): Promise<void>;
}

export interface StorageFactory {
  /** Creates a new, empty location. */
  createLocation(): Promise<StorageLocation>;
}

const encoder = new TextEncoder();

function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

function filled(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed * 31 + i * 7) % 256;
  return out;
}

function checkpoint(size: number): StoredCheckpoint {
  return { size, rootHash: filled(32, size + 1), note: `example.org/log\n${size}\nroot\n\n— sig ${size}\n` };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<StorageError> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as StorageError | undefined;
  expect(error, `want StorageError ${code}`).toBeDefined();
  expect(error!.name).toBe('StorageError');
  expect(error!.code).toBe(code);
  return error!;
}

export function describeStorageConformance(name: string, factory: StorageFactory): void {
  describe(`${name} conformance`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function fresh(): Promise<{ storage: LogStorage; location: StorageLocation }> {
      const location = await factory.createLocation();
      const storage = await location.open();
      cleanups.push(() => location.remove());
      cleanups.push(() => storage.close());
      return { storage, location };
    }

    it('when empty, it returns nothing for every read', async () => {
      const { storage } = await fresh();
      expect(await storage.readLatestCheckpoint()).toBeUndefined();
      expect(await storage.readCheckpoint(0)).toBeUndefined();
      expect(await storage.listCheckpoints(0, 10)).toEqual([]);
      expect(await storage.readTile(0, 0)).toBeUndefined();
      expect(await storage.readBundle(0)).toBeUndefined();
      expect(await storage.readIndexKey(bytes('k'))).toBeUndefined();
      expect(await storage.listIndexKeys(new Uint8Array(0), 10)).toEqual([]);
      expect(await storage.readCosignatures(0)).toEqual([]);
    });

    it('when a batch is committed, it reads every part back', async () => {
      const { storage } = await fresh();
      const tile0 = filled(256 * 32, 1);
      const tile1 = filled(3 * 32, 2);
      const bundle = new Uint8Array([0, 2, 7, 8, 0, 0]);
      await storage.commit({
        tiles: [
          { level: 0, index: 0, hashes: tile0 },
          { level: 1, index: 0, hashes: tile1 },
        ],
        bundles: [{ index: 0, bundle }],
        indexKeys: [{ key: bytes('dedup/a'), value: 5 }],
        checkpoint: checkpoint(259),
        cosignatures: [{ size: 259, lines: ['— witness AAAA', '— other BBBB'] }],
      });
      expect(await storage.readTile(0, 0)).toEqual(tile0);
      expect(await storage.readTile(1, 0)).toEqual(tile1);
      expect(await storage.readTile(0, 1)).toBeUndefined();
      expect(await storage.readBundle(0)).toEqual(bundle);
      expect(await storage.readIndexKey(bytes('dedup/a'))).toBe(5);
      expect(await storage.readLatestCheckpoint()).toEqual(checkpoint(259));
      expect(await storage.readCheckpoint(259)).toEqual(checkpoint(259));
      expect(await storage.readCosignatures(259)).toEqual(['— witness AAAA', '— other BBBB']);
    });

    it('when the caller changes its buffers after commit, it keeps what was committed', async () => {
      const { storage } = await fresh();
      const hashes = filled(64, 3);
      const kept = hashes.slice();
      await storage.commit({ tiles: [{ level: 0, index: 0, hashes }] });
      hashes.fill(0);
      expect(await storage.readTile(0, 0)).toEqual(kept);
    });

    it('when a tile grows, it keeps the prefix', async () => {
      const { storage } = await fresh();
      const wide = filled(200 * 32, 4);
      await storage.commit({ tiles: [{ level: 2, index: 7, hashes: wide.slice(0, 5 * 32) }] });
      await storage.commit({ tiles: [{ level: 2, index: 7, hashes: wide }] });
      const stored = (await storage.readTile(2, 7))!;
      expect(stored.length).toBe(200 * 32);
      expect(stored.subarray(0, 5 * 32)).toEqual(wide.subarray(0, 5 * 32));
    });

    it('when a batch is invalid at its end, it writes none of it', async () => {
      const { storage } = await fresh();
      await storage.commit({ tiles: [{ level: 0, index: 0, hashes: filled(32, 1) }], checkpoint: checkpoint(1) });
      const invalidBatches: StorageBatch[] = [
        {
          tiles: [{ level: 0, index: 0, hashes: filled(64, 9) }],
          bundles: [{ index: 0, bundle: new Uint8Array([0, 0]) }],
          checkpoint: checkpoint(2),
          indexKeys: [{ key: new Uint8Array(0), value: 1 }],
        },
        { tiles: [{ level: 0, index: 0, hashes: filled(64, 9) }, { level: 0, index: 1, hashes: filled(33, 1) }] },
        { tiles: [{ level: 0, index: 0, hashes: filled(64, 9) }, { level: 64, index: 0, hashes: filled(32, 1) }] },
        { checkpoint: checkpoint(2), indexKeys: [{ key: bytes('k'), value: -1 }] },
        { checkpoint: { ...checkpoint(2), rootHash: filled(31, 1) } },
        { indexKeys: [{ key: bytes('k'), value: 1 }], cosignatures: [{ size: 1, lines: ['a\nb'] }] },
        { indexKeys: [{ key: bytes('k'), value: 1 }], bundles: [{ index: 2 ** 53, bundle: new Uint8Array(2) }] },
      ];
      for (const batch of invalidBatches) {
        await expectCode(storage.commit(batch), 'invalid_batch');
      }
      expect(await storage.readTile(0, 0)).toEqual(filled(32, 1));
      expect(await storage.readTile(0, 1)).toBeUndefined();
      expect(await storage.readBundle(0)).toBeUndefined();
      expect(await storage.readIndexKey(bytes('k'))).toBeUndefined();
      expect(await storage.readLatestCheckpoint()).toEqual(checkpoint(1));
      expect(await storage.readCheckpoint(2)).toBeUndefined();
      expect(await storage.readCosignatures(1)).toEqual([]);
    });

    it('when a checkpoint is smaller than the latest, it rejects the batch', async () => {
      const { storage } = await fresh();
      await storage.commit({ checkpoint: checkpoint(10) });
      const error = await expectCode(
        storage.commit({ checkpoint: checkpoint(9), indexKeys: [{ key: bytes('x'), value: 1 }] }),
        'invalid_batch',
      );
      expect(error.message).toContain('9');
      expect(await storage.readLatestCheckpoint()).toEqual(checkpoint(10));
      expect(await storage.readIndexKey(bytes('x'))).toBeUndefined();
      await storage.commit({ checkpoint: checkpoint(10) });
      expect(await storage.readLatestCheckpoint()).toEqual(checkpoint(10));
    });

    it('when several checkpoints are committed, it serves each by size', async () => {
      const { storage } = await fresh();
      for (const size of [1, 5, 256, 300, 70_000]) await storage.commit({ checkpoint: checkpoint(size) });
      expect(await storage.readLatestCheckpoint()).toEqual(checkpoint(70_000));
      for (const size of [1, 5, 256, 300, 70_000]) {
        expect(await storage.readCheckpoint(size)).toEqual(checkpoint(size));
      }
      expect(await storage.readCheckpoint(2)).toBeUndefined();
      const listed = await storage.listCheckpoints(5, 2);
      expect(listed.map((c) => c.size)).toEqual([5, 256]);
      const rest = await storage.listCheckpoints(257, 100);
      expect(rest.map((c) => c.size)).toEqual([300, 70_000]);
    });

    it('when listing a prefix, it uses byte order', async () => {
      const { storage } = await fresh();
      const key = (...b: number[]): Uint8Array => new Uint8Array(b);
      await storage.commit({
        indexKeys: [
          { key: key(1, 0xff, 2), value: 3 },
          { key: key(1, 0xff), value: 2 },
          { key: key(1, 0x00), value: 1 },
          { key: key(1, 0xff, 0xff), value: 4 },
          { key: key(2), value: 9 },
          { key: key(0, 0xff), value: 8 },
        ],
      });
      const all = await storage.listIndexKeys(key(1), 100);
      expect(all.map((r) => [...r.key])).toEqual([
        [1, 0x00],
        [1, 0xff],
        [1, 0xff, 2],
        [1, 0xff, 0xff],
      ]);
      expect(all.map((r) => r.value)).toEqual([1, 2, 3, 4]);
      const under = await storage.listIndexKeys(key(1, 0xff), 2);
      expect(under.map((r) => r.value)).toEqual([2, 3]);
      expect((await storage.listIndexKeys(new Uint8Array(0), 100)).length).toBe(6);
      expect(await storage.listIndexKeys(key(3), 100)).toEqual([]);
    });

    it('when an index key is written again, it keeps the newest value', async () => {
      const { storage } = await fresh();
      await storage.commit({ indexKeys: [{ key: bytes('doc/1'), value: 4 }] });
      await storage.commit({ indexKeys: [{ key: bytes('doc/1'), value: 2 ** 53 - 1 }] });
      expect(await storage.readIndexKey(bytes('doc/1'))).toBe(2 ** 53 - 1);
    });

    it('when numbers reach 2^53 - 1, it stores them exactly', async () => {
      const { storage } = await fresh();
      const max = Number.MAX_SAFE_INTEGER;
      const hashes = filled(32, 5);
      await storage.commit({
        tiles: [{ level: 0, index: max, hashes }],
        bundles: [{ index: max, bundle: new Uint8Array([0, 0]) }],
        checkpoint: checkpoint(max),
      });
      expect(await storage.readTile(0, max)).toEqual(hashes);
      expect(await storage.readTile(0, max - 1)).toBeUndefined();
      expect(await storage.readBundle(max)).toEqual(new Uint8Array([0, 0]));
      expect((await storage.readLatestCheckpoint())!.size).toBe(max);
    });

    it('when cosignatures are written again, it replaces the lines of that size only', async () => {
      const { storage } = await fresh();
      await storage.commit({ cosignatures: [{ size: 3, lines: ['— a X'] }, { size: 4, lines: ['— b Y'] }] });
      await storage.commit({ cosignatures: [{ size: 3, lines: ['— a X', '— c Z'] }] });
      expect(await storage.readCosignatures(3)).toEqual(['— a X', '— c Z']);
      expect(await storage.readCosignatures(4)).toEqual(['— b Y']);
      await storage.commit({ cosignatures: [{ size: 4, lines: [] }] });
      expect(await storage.readCosignatures(4)).toEqual([]);
    });

    it('when arguments are invalid, it rejects them with invalid_argument', async () => {
      const { storage } = await fresh();
      await expectCode(storage.readTile(-1, 0), 'invalid_argument');
      await expectCode(storage.readTile(0, 1.5), 'invalid_argument');
      await expectCode(storage.readBundle(2 ** 53), 'invalid_argument');
      await expectCode(storage.readCheckpoint(Number.NaN), 'invalid_argument');
      await expectCode(storage.readIndexKey(new Uint8Array(0)), 'invalid_argument');
      await expectCode(storage.readIndexKey(new Uint8Array(1025)), 'invalid_argument');
      await expectCode(storage.listIndexKeys(new Uint8Array(1), 0), 'invalid_argument');
      await expectCode(storage.listCheckpoints(0, -1), 'invalid_argument');
    });

    it('when reopened after close, it keeps everything', async () => {
      const { storage, location } = await fresh();
      await storage.commit({
        tiles: [{ level: 0, index: 0, hashes: filled(96, 6) }],
        bundles: [{ index: 0, bundle: new Uint8Array([0, 1, 9]) }],
        indexKeys: [{ key: bytes('nonce/x'), value: 2 }],
        checkpoint: checkpoint(3),
        cosignatures: [{ size: 3, lines: ['— w Q'] }],
      });
      await storage.close();
      const again = await location.open();
      cleanups.push(() => again.close());
      expect(await again.readTile(0, 0)).toEqual(filled(96, 6));
      expect(await again.readBundle(0)).toEqual(new Uint8Array([0, 1, 9]));
      expect(await again.readIndexKey(bytes('nonce/x'))).toBe(2);
      expect(await again.readLatestCheckpoint()).toEqual(checkpoint(3));
      expect(await again.readCheckpoint(3)).toEqual(checkpoint(3));
      expect(await again.readCosignatures(3)).toEqual(['— w Q']);
      // The reopened store reads the latest size back, so it still rejects a smaller one.
      await expectCode(again.commit({ checkpoint: checkpoint(2) }), 'invalid_batch');
    });

    it('when the location is already open, it refuses a second store', async () => {
      const { storage, location } = await fresh();
      await expectCode(location.open(), 'store_locked');
      await storage.close();
      const again = await location.open();
      cleanups.push(() => again.close());
      expect(await again.readLatestCheckpoint()).toBeUndefined();
    });

    it('when closed, it rejects reads and commits with store_closed', async () => {
      const { storage } = await fresh();
      await storage.close();
      await expectCode(storage.readTile(0, 0), 'store_closed');
      await expectCode(storage.readLatestCheckpoint(), 'store_closed');
      await expectCode(storage.commit({ checkpoint: checkpoint(1) }), 'store_closed');
      await storage.close();
    });
  });
}
