import { decodeBundle } from '../../ledger/bundle.js';
import { openCheckpoint, type Checkpoint } from '../../ledger/checkpoint.js';
import { LedgerError } from '../../ledger/errors.js';
import { equalHashes, hashLeaf, HASH_SIZE } from '../../ledger/hash.js';
import { noteVerifier, type NoteVerifier } from '../../ledger/note.js';
import { rootFromLeafHashes } from '../../ledger/proof.js';
import { entriesPath, TILE_WIDTH, tilePath, tileWidth } from '../../ledger/tile.js';
import { RuleError } from '../../registry/errors.js';
import { Registry } from '../../registry/registry.js';
import { CliError } from '../errors.js';
import type { HubClient } from '../hub-client.js';
import { mapConcurrent } from './concurrency.js';

/** Tiles fetched at once while mirroring. */
const FETCH_CONCURRENCY = 8;

/**
 * A copy of the hub's log rebuilt from what it serves over the c2sp.org/tlog-tiles read
 * API, trusting nothing else. Each checkpoint must carry the log key's signature, and each
 * entry bundle must hash to its level-0 tile. The leaves must give the checkpoint's root,
 * and the entries must replay under the registry rules. The replayed registry state
 * serves the as-of queries of checks 1 to 3.
 */
export class LogMirror {
  readonly #client: HubClient;
  readonly #logKey: NoteVerifier;
  readonly #entries: Uint8Array[] = [];
  readonly #leafHashes: Uint8Array[] = [];
  #checkpoint: { checkpoint: Checkpoint; note: string } | undefined;
  #registry = new Registry();

  constructor(client: HubClient, logVkey: string) {
    this.#client = client;
    this.#logKey = noteVerifier(logVkey);
  }

  get origin(): string {
    return this.#logKey.name;
  }

  get logKey(): NoteVerifier {
    return this.#logKey;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The registry replayed from every mirrored entry. */
  get registry(): Registry {
    return this.#registry;
  }

  /** The newest checkpoint mirrored: its parsed form and the signed note. */
  get checkpoint(): { checkpoint: Checkpoint; note: string } {
    if (this.#checkpoint === undefined) throw new RangeError('the mirror has not read a checkpoint yet');
    return this.#checkpoint;
  }

  entry(index: number): Uint8Array {
    const entry = this.#entries[index];
    if (entry === undefined) throw new RangeError(`entry ${index} is not mirrored; the mirror has ${this.size}`);
    return entry;
  }

  leafHash(index: number): Uint8Array {
    return this.#leafHashes[index] ?? hashLeaf(this.entry(index));
  }

  /**
   * Reads the hub's newest checkpoint, fetches the entries it adds, checks them and replays
   * the registry. Returns the checkpoint.
   * @throws CliError when the hub serves anything that does not verify.
   */
  async refresh(): Promise<Checkpoint> {
    const note = await this.#client.getText('/checkpoint');
    const checkpoint = this.#open(note);
    const previous = this.size;

    if (checkpoint.size < previous) {
      throw new CliError(`the hub's checkpoint has size ${checkpoint.size}, smaller than the ${previous} entries mirrored before`);
    }
    const firstTile = Math.floor(previous / TILE_WIDTH);
    const lastTile = Math.ceil(checkpoint.size / TILE_WIDTH);
    const tiles = Array.from({ length: lastTile - firstTile }, (_, offset) => firstTile + offset);
    const fetched = await mapConcurrent(tiles, FETCH_CONCURRENCY, (tile) => this.#fetchTile(tile, checkpoint.size));

    const entries = this.#entries.slice(0, firstTile * TILE_WIDTH);
    const leafHashes = this.#leafHashes.slice(0, firstTile * TILE_WIDTH);
    for (const tile of fetched) {
      entries.push(...tile.entries);
      leafHashes.push(...tile.leafHashes);
    }

    const root = rootFromLeafHashes(leafHashes);
    if (!equalHashes(root, checkpoint.rootHash)) {
      throw new CliError(`the ${checkpoint.size} leaves the hub serves do not give the root of its checkpoint`);
    }
    // Entries the mirror already held must not change under a larger tree.
    for (let index = 0; index < previous; index++) {
      if (!equalHashes(leafHashes[index]!, this.#leafHashes[index]!)) {
        throw new CliError(`entry ${index} changed since the checkpoint of size ${previous}`);
      }
    }

    this.#registry = replay(entries);
    this.#entries.splice(0, this.#entries.length, ...entries);
    this.#leafHashes.splice(0, this.#leafHashes.length, ...leafHashes);
    this.#checkpoint = { checkpoint, note };
    return checkpoint;
  }

  #open(note: string): Checkpoint {
    try {
      return openCheckpoint(note, this.#logKey, this.#logKey.name).checkpoint;
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      throw new CliError(`the hub's checkpoint does not verify with the log key ${this.#logKey.name} (${error.code}): ${error.message}`);
    }
  }

  async #fetchTile(index: number, size: number): Promise<{ entries: Uint8Array[]; leafHashes: Uint8Array[] }> {
    const width = tileWidth(0, index, size);
    const [bundle, tile] = await Promise.all([
      this.#client.getBytes(`/${entriesPath(index, width)}`),
      this.#client.getBytes(`/${tilePath({ level: 0, index, width })}`),
    ]);
    const where = `entry bundle ${entriesPath(index, width)}`;
    let entries: Uint8Array[];
    try {
      entries = decodeBundle(bundle, width);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      throw new CliError(`${where} is malformed: ${error.message}`);
    }
    if (tile.length !== width * HASH_SIZE) {
      throw new CliError(`tile ${tilePath({ level: 0, index, width })} has ${tile.length} bytes, want ${width * HASH_SIZE}`);
    }
    const leafHashes = entries.map((entry, position) => {
      const leafHash = hashLeaf(entry);
      const served = tile.subarray(position * HASH_SIZE, (position + 1) * HASH_SIZE);
      if (!equalHashes(leafHash, served)) {
        throw new CliError(`${where}: entry ${index * TILE_WIDTH + position} does not hash to its level-0 tile hash`);
      }
      return leafHash;
    });
    return { entries, leafHashes };
  }
}

function replay(entries: readonly Uint8Array[]): Registry {
  try {
    return Registry.replay(entries);
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    throw new CliError(`the hub's log does not replay under the registry rules (${error.code}): ${error.message}`, 1, {
      cause: error,
    });
  }
}
