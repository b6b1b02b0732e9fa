/**
 * Verifies the entries between the monitor's verified size and a signed checkpoint from the
 * hub's tiles and entry bundles (c2sp.org/tlog-tiles): every bundle against its level-0 tile,
 * every full tile against the hash the level above stores for it, and the root the entries
 * build against the checkpoint's root. The monitor computes every node itself from the entries,
 * so a tile served by the hub is only ever compared, never trusted.
 */
import { decodeBundle } from '../ledger/bundle.js';
import { CompactRange } from '../ledger/compact-range.js';
import { NoteError } from '../ledger/errors.js';
import { equalHashes, HASH_SIZE, hashLeaf } from '../ledger/hash.js';
import type { NodeId } from '../ledger/proof.js';
import { entriesPath, TILE_HEIGHT, TILE_WIDTH, tilePath, tileWidth } from '../ledger/tile.js';
import type { AlarmCode, AlarmEvidence } from './alarms.js';
import { TILE_LIMIT, type HttpReader } from './monitor-http.js';

/** Bundles fetched ahead of the one being checked. */
const PREFETCH_BUNDLES = 8;

/** Served data that contradicts itself or the signed checkpoint; the monitor raises an alarm. */
export class TreeMismatch extends Error {
  readonly code: AlarmCode;
  readonly evidence: AlarmEvidence;

  constructor(code: AlarmCode, message: string, evidence: AlarmEvidence) {
    super(message);
    this.name = 'TreeMismatch';
    this.code = code;
    this.evidence = evidence;
  }
}

/** One entry bundle whose new entries matched their tiles. */
export interface VerifiedBundle {
  /** Bundle index; its entries start at index * 256. */
  index: number;
  /** The bundle as served, at its width for the target size. */
  bundle: Uint8Array;
  /** Every entry of the bundle, including those verified before. */
  entries: Uint8Array[];
  leafHashes: Uint8Array[];
  /** Index in `entries` of the first entry new in this catch-up. */
  firstNew: number;
  /** Tree size once this bundle is appended. */
  sizeAfter: number;
}

export interface CatchUpOptions {
  reader: HttpReader;
  /** The verified tree to extend. */
  range: CompactRange;
  target: { size: number; rootHash: Uint8Array };
  /** Entries already verified in the bundle that contains `range.size`, when it is partial. */
  verifiedEdgeEntries: readonly Uint8Array[];
  /** Nodes to keep (by "level/index") when the append creates them; filled in place. */
  keepNodes: { wanted: ReadonlySet<string>; found: Record<string, Uint8Array> };
  /** Receives each bundle in log order, after its tiles matched and before the next one. */
  onBundle(bundle: VerifiedBundle): Promise<void>;
}

/**
 * Extends `range` (in place) to the target size, checking everything on the way. Resolves when
 * the root matches; the caller then accepts the checkpoint.
 * @throws TreeMismatch `tile_mismatch` or `root_mismatch`; FetchError when the hub fails to serve.
 */
export async function catchUp(options: CatchUpOptions): Promise<void> {
  const { reader, range, target } = options;
  const firstBundle = Math.floor(range.size / TILE_WIDTH);
  const endBundle = Math.ceil(target.size / TILE_WIDTH);
  const upperTiles = new UpperTileCache(reader, target.size);

  const fetchBundle = (index: number): Promise<[Uint8Array, Uint8Array]> => {
    const width = Math.min(TILE_WIDTH, target.size - index * TILE_WIDTH);
    return Promise.all([
      reader.bytes(`/${entriesPath(index, width)}`),
      reader.bytes(`/${tilePath({ level: 0, index, width })}`, TILE_LIMIT),
    ]);
  };
  const pending = new Map<number, Promise<[Uint8Array, Uint8Array]>>();
  const prefetch = (index: number): void => {
    if (index >= endBundle || pending.has(index)) return;
    const request = fetchBundle(index);
    // Kept until awaited; a rejection is handled there, not as an unhandled one.
    request.catch(() => undefined);
    pending.set(index, request);
  };

  for (let index = firstBundle; index < endBundle; index++) {
    for (let ahead = index; ahead < index + PREFETCH_BUNDLES; ahead++) prefetch(ahead);
    const [bundle, tile] = await pending.get(index)!;
    pending.delete(index);
    const verified = checkBundle(index, bundle, tile, range.size, target.size, options.verifiedEdgeEntries);
    for (const leafHash of verified.leafHashes.slice(verified.firstNew)) {
      await appendLeaf(range, leafHash, upperTiles, options.keepNodes);
    }
    await options.onBundle(verified);
  }

  const computed = range.root();
  if (!equalHashes(computed, target.rootHash)) {
    throw new TreeMismatch('root_mismatch', `the entries served for size ${target.size} do not build the checkpoint's root`, {
      size: target.size,
      checkpointRoot: b64(target.rootHash),
      computedRoot: b64(computed),
    });
  }
}

function checkBundle(
  index: number,
  bundle: Uint8Array,
  tile: Uint8Array,
  verifiedSize: number,
  targetSize: number,
  verifiedEdgeEntries: readonly Uint8Array[],
): VerifiedBundle {
  const width = Math.min(TILE_WIDTH, targetSize - index * TILE_WIDTH);
  const bundlePath = entriesPath(index, width);
  const path = tilePath({ level: 0, index, width });
  let entries: Uint8Array[];
  try {
    entries = decodeBundle(bundle, width);
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    throw new TreeMismatch('tile_mismatch', `entry bundle ${bundlePath} is malformed: ${error.message}`, {
      tile: bundlePath,
      reason: error.message,
    });
  }
  if (tile.length !== width * HASH_SIZE) {
    throw new TreeMismatch('tile_mismatch', `tile ${path} has ${tile.length} bytes, want ${width * HASH_SIZE}`, {
      tile: path,
      tileBytes: tile.length,
    });
  }
  const firstNew = Math.max(0, verifiedSize - index * TILE_WIDTH);
  const leafHashes = entries.map((entry) => hashLeaf(entry));
  for (let i = 0; i < width; i++) {
    const stored = tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
    if (!equalHashes(stored, leafHashes[i]!)) {
      throw new TreeMismatch('tile_mismatch', `tile ${path} disagrees with entry ${index * TILE_WIDTH + i} of ${bundlePath}`, {
        tile: path,
        bundle: bundlePath,
        index: index * TILE_WIDTH + i,
        tileHash: b64(stored),
        entryLeafHash: b64(leafHashes[i]!),
        entry: b64(entries[i]!),
      });
    }
  }
  // Entries verified under an earlier checkpoint must be served unchanged.
  for (let i = 0; i < firstNew; i++) {
    const before = verifiedEdgeEntries[i];
    if (before === undefined || !Buffer.from(before).equals(Buffer.from(entries[i]!))) {
      throw new TreeMismatch('tile_mismatch', `entry ${index * TILE_WIDTH + i} in ${bundlePath} differs from the one verified before`, {
        tile: bundlePath,
        index: index * TILE_WIDTH + i,
        verifiedEntry: before === undefined ? null : b64(before),
        servedEntry: b64(entries[i]!),
      });
    }
  }
  return { index, bundle, entries, leafHashes, firstNew, sizeAfter: index * TILE_WIDTH + width };
}

/** Appends one leaf, comparing each new full-tile hash with the tile level above. */
async function appendLeaf(
  range: CompactRange,
  leafHash: Uint8Array,
  upperTiles: UpperTileCache,
  keepNodes: CatchUpOptions['keepNodes'],
): Promise<void> {
  const created: { node: NodeId; hash: Uint8Array }[] = [];
  range.append(leafHash, (node, hash) => created.push({ node, hash }));
  for (const { node, hash } of created) {
    const key = `${node.level}/${node.index}`;
    if (keepNodes.wanted.has(key)) keepNodes.found[key] = hash;
    // A node at tree level 8L (L >= 1) is the hash of a full level-(L-1) tile, stored in tile level L.
    if (node.level > 0 && node.level % TILE_HEIGHT === 0) await upperTiles.check(node.level / TILE_HEIGHT, node.index, hash);
  }
}

/** The tile of each level above 0 that the append is filling, fetched once at its target width. */
class UpperTileCache {
  readonly #reader: HttpReader;
  readonly #size: number;
  readonly #tiles = new Map<number, { index: number; bytes: Uint8Array }>();

  constructor(reader: HttpReader, size: number) {
    this.#reader = reader;
    this.#size = size;
  }

  async check(level: number, hashIndex: number, computed: Uint8Array): Promise<void> {
    const index = Math.floor(hashIndex / TILE_WIDTH);
    const width = tileWidth(level, index, this.#size);
    const path = tilePath({ level, index, width });
    let tile = this.#tiles.get(level);
    if (tile === undefined || tile.index !== index) {
      tile = { index, bytes: await this.#reader.bytes(`/${path}`, TILE_LIMIT) };
      this.#tiles.set(level, tile);
    }
    const position = hashIndex - index * TILE_WIDTH;
    const stored = tile.bytes.length === width * HASH_SIZE ? tile.bytes.subarray(position * HASH_SIZE, (position + 1) * HASH_SIZE) : undefined;
    if (stored === undefined || !equalHashes(stored, computed)) {
      throw new TreeMismatch('tile_mismatch', `tile ${path} disagrees with the level-${level - 1} tile it covers`, {
        tile: path,
        position,
        tileHash: stored === undefined ? null : b64(stored),
        computedHash: b64(computed),
        tileBytes: tile.bytes.length,
      });
    }
  }
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
