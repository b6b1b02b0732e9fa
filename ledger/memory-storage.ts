import { StorageError } from './errors.js';
import {
  checkCheckpointOrder,
  checkIndexKeyArgument,
  checkStorageNumber,
  clampListLimit,
  validateBatch,
  type IndexKeyRecord,
  type LogStorage,
  type StorageBatch,
  type StoredCheckpoint,
} from './storage.js';

/**
 * The data of an in-memory store, which outlives the stores opened on it, so tests can close and
 * reopen a log the way they would a LevelDB directory. Only one store may be open on it at a time.
 */
export class MemoryLocation {
  /** @internal */ readonly tiles = new Map<string, Uint8Array>();
  /** @internal */ readonly bundles = new Map<number, Uint8Array>();
  /** @internal */ readonly checkpoints = new Map<number, StoredCheckpoint>();
  /** @internal */ readonly indexKeys = new Map<string, number>();
  /** @internal */ readonly cosignatures = new Map<number, string[]>();
  /** @internal */ latest: StoredCheckpoint | undefined;
  /** @internal */ locked = false;
}

/**
 * Opens an in-memory store on `location` (a new, empty one by default).
 * @throws StorageError `store_locked` if another store is open on the same location.
 */
export function openMemoryStorage(location: MemoryLocation = new MemoryLocation()): LogStorage {
  if (location.locked) {
    throw new StorageError('store_locked', 'memory store is already open in this process');
  }
  location.locked = true;
  return new MemoryStorage(location);
}

class MemoryStorage implements LogStorage {
  #location: MemoryLocation | undefined;

  constructor(location: MemoryLocation) {
    this.#location = location;
  }

  async readLatestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.#open().latest;
  }

  async readCheckpoint(size: number): Promise<StoredCheckpoint | undefined> {
    checkStorageNumber('checkpoint size', size);
    return this.#open().checkpoints.get(size);
  }

  async listCheckpoints(fromSize: number, limit: number): Promise<StoredCheckpoint[]> {
    checkStorageNumber('checkpoint size', fromSize);
    const max = clampListLimit(limit);
    const sizes = [...this.#open().checkpoints.keys()].filter((s) => s >= fromSize);
    sizes.sort((a, b) => a - b);
    return sizes.slice(0, max).map((s) => this.#open().checkpoints.get(s)!);
  }

  async readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    checkStorageNumber('tile level', level);
    checkStorageNumber('tile index', index);
    return this.#open().tiles.get(tileKey(level, index));
  }

  async readBundle(index: number): Promise<Uint8Array | undefined> {
    checkStorageNumber('bundle index', index);
    return this.#open().bundles.get(index);
  }

  async readIndexKey(key: Uint8Array): Promise<number | undefined> {
    checkIndexKeyArgument(key, false);
    return this.#open().indexKeys.get(Buffer.from(key).toString('latin1'));
  }

  async listIndexKeys(prefix: Uint8Array, limit: number): Promise<IndexKeyRecord[]> {
    checkIndexKeyArgument(prefix, true);
    const max = clampListLimit(limit);
    // Latin-1 maps each byte to one code unit, so string order is byte order.
    const start = Buffer.from(prefix).toString('latin1');
    const keys = [...this.#open().indexKeys.keys()].filter((k) => k.startsWith(start));
    keys.sort(compareStrings);
    return keys.slice(0, max).map((k) => ({
      key: new Uint8Array(Buffer.from(k, 'latin1')),
      value: this.#open().indexKeys.get(k)!,
    }));
  }

  async readCosignatures(size: number): Promise<string[]> {
    checkStorageNumber('checkpoint size', size);
    return [...(this.#open().cosignatures.get(size) ?? [])];
  }

  async commit(batch: StorageBatch): Promise<void> {
    const location = this.#open();
    validateBatch(batch);
    checkCheckpointOrder(location.latest?.size, batch);
    // Nothing below can throw, so the batch lands whole: the memory store's atomicity.
    for (const tile of batch.tiles ?? []) {
      location.tiles.set(tileKey(tile.level, tile.index), new Uint8Array(tile.hashes));
    }
    for (const bundle of batch.bundles ?? []) {
      location.bundles.set(bundle.index, new Uint8Array(bundle.bundle));
    }
    for (const record of batch.indexKeys ?? []) {
      location.indexKeys.set(Buffer.from(record.key).toString('latin1'), record.value);
    }
    if (batch.checkpoint !== undefined) {
      const { size, rootHash, note } = batch.checkpoint;
      const copy = { size, rootHash: new Uint8Array(rootHash), note };
      location.checkpoints.set(size, copy);
      location.latest = copy;
    }
    for (const cosigned of batch.cosignatures ?? []) {
      location.cosignatures.set(cosigned.size, [...cosigned.lines]);
    }
  }

  async close(): Promise<void> {
    if (this.#location === undefined) return;
    this.#location.locked = false;
    this.#location = undefined;
  }

  #open(): MemoryLocation {
    if (this.#location === undefined) throw new StorageError('store_closed', 'memory store is closed');
    return this.#location;
  }
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function tileKey(level: number, index: number): string {
  return `${level}/${index}`;
}
