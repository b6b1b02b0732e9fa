/**
 * Integrity checks of a stored log. `loadRightEdge` and `checkRightEdge` are the fast startup
 * check: check that nothing is stored beyond the latest checkpoint, rebuild the right edge of the
 * tree from the stored tiles and compare its root with the latest checkpoint, so a sequencer never
 * extends a tree its checkpoint does not describe. `checkStore` checks everything: every tile
 * against the level below it, every entry bundle against its level-0 tile, and every stored
 * checkpoint against the tree.
 */
import { parseCheckpoint } from './checkpoint.js';
import { LedgerError, StorageError } from './errors.js';
import { HASH_SIZE, equalHashes, hashLeaf } from './hash.js';
import { openNote, parseNote, type NoteVerifier } from './note.js';
import { treeRoot } from './proof.js';
import { sliceTile, type LogStorage, type StoredCheckpoint } from './storage.js';
import { checkStoreExtent } from './store-extent.js';
import {
  TILE_WIDTH,
  entriesPath,
  hashFullTile,
  tileHashReader,
  tilePath,
  tileWidth,
} from './tile.js';
import { TileWriter } from './tile-writer.js';

/** The latest checkpoint's root differs from the root of the stored tiles. */
export class RootMismatchError extends StorageError {
  readonly size: number;
  readonly storedRoot: Uint8Array;
  readonly computedRoot: Uint8Array;

  constructor(size: number, storedRoot: Uint8Array, computedRoot: Uint8Array) {
    super(
      'root_mismatch',
      `stored checkpoint of size ${size} has root ${hex(storedRoot)}, but the stored right-edge ` +
        `tiles give ${hex(computedRoot)}; run fsck to find the damaged tile`,
      { corrupt: true },
    );
    this.size = size;
    this.storedRoot = storedRoot;
    this.computedRoot = computedRoot;
  }
}

/** The right edge of a stored log and the checkpoint it matches (undefined for an empty store). */
export interface RightEdge {
  checkpoint: StoredCheckpoint | undefined;
  writer: TileWriter;
}

/**
 * Loads the right edge of the stored tree and checks it against the latest checkpoint, after
 * checking that nothing is stored beyond that checkpoint. Reads only the right-edge tile of each
 * level and the partial bundle, so it is fast at any size.
 * @throws RootMismatchError (`root_mismatch`); StorageError `latest_checkpoint_missing`,
 *   `beyond_latest_checkpoint`, `tile_missing`, `tile_short`, `bundle_missing`, `bundle_short`;
 *   all `corrupt`.
 */
export async function loadRightEdge(storage: LogStorage): Promise<RightEdge> {
  const checkpoint = await storage.readLatestCheckpoint();
  await checkStoreExtent(storage, checkpoint);
  return loadTree(storage, checkpoint);
}

async function loadTree(storage: LogStorage, checkpoint: StoredCheckpoint | undefined): Promise<RightEdge> {
  if (checkpoint === undefined) return { checkpoint, writer: TileWriter.empty() };
  const writer = await TileWriter.load(storage, checkpoint.size);
  const computed = writer.root();
  if (!equalHashes(computed, checkpoint.rootHash)) {
    throw new RootMismatchError(checkpoint.size, checkpoint.rootHash, computed);
  }
  return { checkpoint, writer };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** One inconsistency in the store: what is wrong and where (a tile path, bundle or checkpoint). */
export interface FsckProblem {
  code: string;
  /** `tile/1/000`, `tile/0/273.p/112`, `tile/entries/012`, `checkpoint 70000`, … */
  where: string;
  message: string;
}

export interface FsckReport {
  /** Size of the latest checkpoint (0 for an empty store). */
  size: number;
  problems: FsckProblem[];
  /** True when more problems were found than the report keeps. */
  truncated: boolean;
  tilesChecked: number;
  bundlesChecked: number;
  checkpointsChecked: number;
}

/** Maximum problems a report keeps, so a wrecked store cannot exhaust memory. */
const MAX_PROBLEMS = 1000;
/** Checkpoints read per storage call while checking them all. */
const CHECKPOINT_PAGE = 1000;

export interface CheckStoreOptions {
  /** The log's verifier key: every stored checkpoint must carry a valid signature by it. */
  verifier?: NoteVerifier;
}

/**
 * Runs the startup check and returns its outcome as a report instead of throwing. The report
 * lists a data-beyond-the-latest-checkpoint problem and a right-edge problem separately.
 * @throws StorageError that is not corruption or a failed read (a closed store).
 */
export async function checkRightEdge(storage: LogStorage): Promise<FsckReport> {
  const report = newReport();
  let checkpoint: StoredCheckpoint | undefined;
  try {
    checkpoint = await storage.readLatestCheckpoint();
  } catch (error) {
    if (!isReadProblem(error)) throw error;
    addProblem(report, error.code, 'latest checkpoint', error.message);
    return report;
  }
  report.size = checkpoint?.size ?? 0;
  for (const step of [() => checkStoreExtent(storage, checkpoint), () => loadTree(storage, checkpoint)]) {
    try {
      await step();
    } catch (error) {
      if (!isReadProblem(error)) throw error;
      addProblem(report, error.code, `checkpoint ${report.size}`, error.message);
    }
  }
  return report;
}

/**
 * Checks the whole store and lists every problem found; it never stops at the first. Every tile
 * hash at level L >= 1 must be the Merkle tree hash of the full level-(L-1) tile below it
 * (c2sp.org/tlog-tiles), every bundle entry must hash to its level-0 tile hash, the right edge
 * must give the latest root, and every stored checkpoint must match the tree at its size (and
 * carry a valid signature of `options.verifier`). Since all those checkpoints are computed from
 * one set of consistent tiles, passing them also shows each is consistent with the latest. When
 * the latest-checkpoint record is missing, the tree is checked up to the largest stored checkpoint.
 * A failed read is reported as a problem of the part being read, and that part's check stops.
 * @throws StorageError `store_closed` (or another error that is not a failed read).
 */
export async function checkStore(storage: LogStorage, options: CheckStoreOptions = {}): Promise<FsckReport> {
  const edge = await checkRightEdge(storage);
  const report = { ...edge, problems: [...edge.problems] };
  let latest: StoredCheckpoint | undefined;
  try {
    latest = (await storage.readLatestCheckpoint()) ?? (await largestCheckpoint(storage));
  } catch (error) {
    if (!isReadProblem(error)) throw error;
    return report;
  }
  if (latest === undefined) return report;
  report.size = latest.size;
  try {
    await new TreeCheck(storage, latest, report).run();
  } catch (error) {
    if (!isReadProblem(error)) throw error;
    addProblem(report, error.code, 'tiles and bundles', `the check stopped: ${error.message}`);
  }
  try {
    await checkCheckpoints(storage, latest, report, options.verifier);
  } catch (error) {
    if (!isReadProblem(error)) throw error;
    addProblem(report, error.code, 'checkpoints', `the check stopped: ${error.message}`);
  }
  return report;
}

/** Returns the stored checkpoint of the largest size, paging through them all. */
async function largestCheckpoint(storage: LogStorage): Promise<StoredCheckpoint | undefined> {
  let largest: StoredCheckpoint | undefined;
  for (let from = 0; ; ) {
    const page = await storage.listCheckpoints(from, CHECKPOINT_PAGE);
    if (page.length === 0) return largest;
    largest = page[page.length - 1]!;
    from = largest.size + 1;
  }
}

/** Tells whether an error is damage or a failed read of the store, which fsck reports before going on. */
export function isReadProblem(error: unknown): error is StorageError {
  return error instanceof StorageError && (error.corrupt || error.code === 'read_failed');
}

/**
 * Walks the tiles bottom-up in one pass: each full tile's hash is passed up to the level above,
 * where it is compared once that tile is read, so memory stays at one tile per level.
 */
class TreeCheck {
  readonly #storage: LogStorage;
  readonly #size: number;
  readonly #root: Uint8Array;
  readonly #report: FsckReport;
  // Hashes computed from the level below, waiting to be compared with the tile at that level;
  // undefined where the tile below could not be read.
  readonly #pending: (Uint8Array | undefined)[][] = [];
  readonly #nextIndex: number[] = [];
  // Paths of tiles already reported damaged, so the level above does not report them again.
  readonly #corrupt = new Set<string>();

  constructor(storage: LogStorage, latest: StoredCheckpoint, report: FsckReport) {
    this.#storage = storage;
    this.#size = latest.size;
    this.#root = latest.rootHash;
    this.#report = report;
  }

  async run(): Promise<void> {
    const tiles = Math.ceil(this.#size / TILE_WIDTH);
    for (let index = 0; index < tiles; index++) {
      const width = tileWidth(0, index, this.#size);
      const tile = await this.#readTile(0, index, width);
      if (tile !== undefined) await this.#checkBundle(index, width, tile);
      if (width === TILE_WIDTH) await this.#passUp(1, tile);
    }
    // What remains at each level is the partial right-edge tile of that level.
    for (let level = 1; level < this.#pending.length; level++) {
      const hashes = this.#pending[level] ?? [];
      if (hashes.length > 0) await this.#checkTile(level, hashes);
    }
  }

  /** Passes a full tile's hash (or a gap, if it could not be read) to the level above. */
  async #passUp(level: number, child: Uint8Array | undefined): Promise<void> {
    const hashes = (this.#pending[level] ??= []);
    hashes.push(child === undefined ? undefined : hashFullTile(child));
    if (hashes.length < TILE_WIDTH) return;
    this.#pending[level] = [];
    const tile = await this.#checkTile(level, hashes);
    // A missing tile still lets the level above be checked, against the recomputed hashes.
    const recomputed = hashes.every((h) => h !== undefined) ? concat(hashes as Uint8Array[]) : undefined;
    await this.#passUp(level + 1, tile ?? recomputed);
  }

  /**
   * Compares the next tile of `level` with the hashes computed from the level below and returns
   * it. Tiles of a level arrive in order, so the index is the count of full tiles before it.
   */
  async #checkTile(level: number, computed: (Uint8Array | undefined)[]): Promise<Uint8Array | undefined> {
    const index = this.#nextIndex[level] ?? 0;
    if (computed.length === TILE_WIDTH) this.#nextIndex[level] = index + 1;
    const width = computed.length;
    const tile = await this.#readTile(level, index, width);
    if (tile === undefined) return undefined;
    const where = tilePath({ level, index, width });
    computed.forEach((hash, i) => {
      if (hash === undefined) return;
      if (!equalHashes(tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), hash)) {
        const child = tilePath({ level: level - 1, index: index * TILE_WIDTH + i, width: TILE_WIDTH });
        // The tile below was checked first; if it is damaged, this mismatch is its echo.
        if (this.#corrupt.has(child)) return;
        this.#corrupt.add(where);
        addProblem(this.#report, 'tile_mismatch', where, `hash ${i} is not the Merkle tree hash of ${child}`);
      }
    });
    return tile;
  }

  async #readTile(level: number, index: number, width: number): Promise<Uint8Array | undefined> {
    this.#report.tilesChecked++;
    try {
      return sliceTile(await this.#storage.readTile(level, index), level, index, width);
    } catch (error) {
      if (!isReadProblem(error)) throw error;
      addProblem(this.#report, error.code, tilePath({ level, index, width }), error.message);
      return undefined;
    }
  }

  /** Compares the entries of bundle `index` with the leaf hashes in its level-0 tile. */
  async #checkBundle(index: number, width: number, tile: Uint8Array): Promise<void> {
    this.#report.bundlesChecked++;
    const bundleWhere = entriesPath(index, width);
    const tileWhere = tilePath({ level: 0, index, width });
    let bundle: Uint8Array | undefined;
    try {
      bundle = await this.#storage.readBundle(index);
    } catch (error) {
      if (!isReadProblem(error)) throw error;
      addProblem(this.#report, error.code, bundleWhere, error.message);
      return;
    }
    if (bundle === undefined) {
      addProblem(this.#report, 'bundle_missing', bundleWhere, `bundle ${index} is missing from the store`);
      return;
    }
    const leafHashes = leafHashesOf(bundle, width);
    if (leafHashes.length < width) {
      const message = `bundle contains ${leafHashes.length} complete entries, want ${width}`;
      addProblem(this.#report, 'bundle_short', bundleWhere, message);
      return;
    }
    const differing: number[] = [];
    leafHashes.forEach((hash, i) => {
      if (!equalHashes(hash, tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE))) differing.push(i);
    });
    if (differing.length === 0) return;

    const positions = differing.length > 8 ? `${differing.slice(0, 8).join(', ')}, …` : differing.join(', ');
    const culprit = await this.#blame(index, width, tile, concat(leafHashes));
    if (culprit === 'tile') {
      this.#corrupt.add(tileWhere);
      const message = `hashes ${positions} differ from the leaf hashes of ${bundleWhere}, which the tree above confirms`;
      addProblem(this.#report, 'tile_mismatch', tileWhere, message);
    } else if (culprit === 'bundle') {
      const message = `entries ${positions} do not hash to ${tileWhere}, which the tree above confirms`;
      addProblem(this.#report, 'bundle_mismatch', bundleWhere, message);
    } else {
      this.#corrupt.add(tileWhere);
      const message = `hashes ${positions} differ from the leaf hashes of ${bundleWhere}; the tree above confirms neither`;
      addProblem(this.#report, 'tile_bundle_mismatch', tileWhere, message);
    }
  }

  /**
   * Decides whether a level-0 tile or its bundle is damaged by asking the tree above: the parent
   * tile's hash for a full tile, the latest checkpoint's root for the partial right-edge tile.
   */
  async #blame(index: number, width: number, tile: Uint8Array, fromBundle: Uint8Array): Promise<'tile' | 'bundle' | 'unknown'> {
    let expected: Uint8Array | undefined;
    let hashOf: (level0: Uint8Array) => Promise<Uint8Array>;
    if (width === TILE_WIDTH) {
      const parentIndex = Math.floor(index / TILE_WIDTH);
      const position = index - parentIndex * TILE_WIDTH;
      const parent = await this.#storage.readTile(1, parentIndex);
      if (parent !== undefined && parent.length >= (position + 1) * HASH_SIZE) {
        expected = parent.subarray(position * HASH_SIZE, (position + 1) * HASH_SIZE);
      }
      hashOf = async (level0) => hashFullTile(level0);
    } else {
      expected = this.#root;
      hashOf = (level0) => {
        const reader = tileHashReader(this.#size, async (t) =>
          t.level === 0 && t.index === index
            ? level0
            : sliceTile(await this.#storage.readTile(t.level, t.index), t.level, t.index, t.width),
        );
        return treeRoot(this.#size, reader);
      };
    }
    if (expected === undefined) return 'unknown';
    try {
      if (equalHashes(await hashOf(fromBundle), expected)) return 'tile';
      if (equalHashes(await hashOf(tile), expected)) return 'bundle';
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
    }
    return 'unknown';
  }
}

/** Returns the leaf hashes of the first `width` entries, fewer if the bundle ends early. */
function leafHashesOf(bundle: Uint8Array, width: number): Uint8Array[] {
  const hashes: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < width; i++) {
    const start = offset + 2;
    if (start > bundle.length) break;
    const end = start + bundle[offset]! * 256 + bundle[offset + 1]!;
    if (end > bundle.length) break;
    hashes.push(hashLeaf(bundle.subarray(start, end)));
    offset = end;
  }
  return hashes;
}

/** Checks every stored checkpoint's note and root against the tree at its size. */
async function checkCheckpoints(
  storage: LogStorage,
  latest: StoredCheckpoint,
  report: FsckReport,
  verifier: NoteVerifier | undefined,
): Promise<void> {
  const bySize = await storage.readCheckpoint(latest.size);
  if (bySize === undefined || bySize.note !== latest.note) {
    addProblem(report, 'checkpoint_missing', `checkpoint ${latest.size}`, 'the latest checkpoint is not stored by its size');
    // The loop below reads checkpoints by size, so it would not check this note.
    checkNote(latest, report, verifier);
  }

  const cache = new Map<string, Uint8Array | undefined>();
  const readTile = async (level: number, index: number): Promise<Uint8Array | undefined> => {
    const key = `${level}/${index}`;
    if (!cache.has(key)) {
      if (cache.size >= 4096) cache.clear();
      cache.set(key, await storage.readTile(level, index));
    }
    return cache.get(key);
  };

  for (let from = 0; ; ) {
    const page = await storage.listCheckpoints(from, CHECKPOINT_PAGE);
    for (const checkpoint of page) {
      report.checkpointsChecked++;
      const where = `checkpoint ${checkpoint.size}`;
      if (checkpoint.size > latest.size) {
        addProblem(report, 'checkpoint_beyond_latest', where, `size exceeds the latest checkpoint's ${latest.size}`);
        continue;
      }
      checkNote(checkpoint, report, verifier);
      let root: Uint8Array;
      try {
        const reader = tileHashReader(checkpoint.size, async (tile) =>
          sliceTile(await readTile(tile.level, tile.index), tile.level, tile.index, tile.width),
        );
        root = await treeRoot(checkpoint.size, reader);
      } catch (error) {
        if (!(error instanceof LedgerError) || (error instanceof StorageError && !isReadProblem(error))) throw error;
        addProblem(report, error.code, where, `cannot compute the tree root: ${error.message}`);
        continue;
      }
      if (!equalHashes(root, checkpoint.rootHash)) {
        addProblem(report, 'checkpoint_mismatch', where, `root ${hex(checkpoint.rootHash)}, but the tiles give ${hex(root)}`);
      }
    }
    if (page.length < CHECKPOINT_PAGE) return;
    from = page[page.length - 1]!.size + 1;
  }
}

/**
 * Checks that the signed note states the size and root the store records beside it and, given
 * the log's verifier, that it carries a valid signature by that key.
 */
function checkNote(checkpoint: StoredCheckpoint, report: FsckReport, verifier: NoteVerifier | undefined): void {
  const where = `checkpoint ${checkpoint.size}`;
  try {
    const parsed = parseCheckpoint(parseNote(checkpoint.note).text);
    if (parsed.size !== checkpoint.size || !equalHashes(parsed.rootHash, checkpoint.rootHash)) {
      addProblem(report, 'note_mismatch', where, `note says size ${parsed.size} with root ${hex(parsed.rootHash)}`);
    }
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    addProblem(report, 'note_malformed', where, error.message);
    return;
  }
  if (verifier === undefined) return;
  try {
    openNote(checkpoint.note, [verifier]);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    addProblem(report, error.code, where, `${error.message} (the log key is ${verifier.name})`);
  }
}

function newReport(): FsckReport {
  return { size: 0, problems: [], truncated: false, tilesChecked: 0, bundlesChecked: 0, checkpointsChecked: 0 };
}

function addProblem(report: FsckReport, code: string, where: string, message: string): void {
  if (report.problems.length >= MAX_PROBLEMS) {
    report.truncated = true;
    return;
  }
  report.problems.push({ code, where, message });
}

function concat(hashes: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(hashes.length * HASH_SIZE);
  hashes.forEach((hash, i) => out.set(hash, i * HASH_SIZE));
  return out;
}
