/**
 * Tiles of the tlog-tiles read API (c2sp.org/tlog-tiles): paths, which tiles a tree size
 * implies, and a HashReader that serves any node of the tree from tiles.
 *
 * A tile at level L holds up to 256 hashes of tree level 8L. A level-0 hash is a leaf hash; a
 * level-L hash (L >= 1) is the Merkle tree hash of a full level-(L-1) tile. The width of the
 * right-edge tile at level L for tree size s is floor(s / 256^L) mod 256; partial tiles are
 * never hashed into a higher level.
 */
import { NoteError, ProofError } from './errors.js';
import { HASH_SIZE, hashChildren } from './hash.js';
import type { HashReader, NodeId } from './proof.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;

// Tile levels are 0..63 in the spec; trees below 2^53 use levels 0..6.
const MAX_TILE_LEVEL = 63;

/** A tile: `width` is 1..256, and 256 means a full tile. */
export interface TileId {
  level: number;
  index: number;
  width: number;
}

function checkTile(tile: TileId): void {
  const { level, index, width } = tile;
  const valid =
    Number.isInteger(level) &&
    level >= 0 &&
    level <= MAX_TILE_LEVEL &&
    Number.isSafeInteger(index) &&
    index >= 0 &&
    Number.isInteger(width) &&
    width >= 1 &&
    width <= TILE_WIDTH;
  if (!valid) {
    throw new NoteError(
      'invalid_tile',
      `tile level ${String(level)}, index ${String(index)}, width ${String(width)} is invalid; ` +
        `want level 0..${MAX_TILE_LEVEL}, index >= 0, width 1..${TILE_WIDTH}`,
    );
  }
}

/** Encodes a tile index as 3-digit groups, all but the last prefixed with 'x': 1234067 -> x001/x234/067. */
function formatTileIndex(index: number): string {
  let digits = String(index);
  digits = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return groups.map((group, i) => (i < groups.length - 1 ? `x${group}` : group)).join('/');
}

function widthSuffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** Returns the path of a hash tile, "tile/<L>/<N>[.p/<W>]". */
export function tilePath(tile: TileId): string {
  checkTile(tile);
  return `tile/${tile.level}/${formatTileIndex(tile.index)}${widthSuffix(tile.width)}`;
}

/** Returns the path of an entry bundle, "tile/entries/<N>[.p/<W>]". */
export function entriesPath(index: number, width: number): string {
  checkTile({ level: 0, index, width });
  return `tile/entries/${formatTileIndex(index)}${widthSuffix(width)}`;
}

// tile/(entries|L)/N[.p/W]: L without leading zeros, N as x-prefixed 3-digit groups, W 1..255.
const TILE_PATH = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;
const MAX_TILE_PATH_LENGTH = 128;

/**
 * Parses a tile or entry-bundle path. Strict: it accepts only the canonical encoding that
 * tilePath and entriesPath produce (no leading zero groups, no ".p/256"), so one tile has one path.
 * Throws NoteError `invalid_tile_path`.
 */
export function parseTilePath(path: string): { entries: boolean; level: number; index: number; width: number } {
  const invalid = (why: string): NoteError =>
    new NoteError('invalid_tile_path', `tile path ${JSON.stringify(path.slice(0, MAX_TILE_PATH_LENGTH))} is invalid: ${why}`);
  if (typeof path !== 'string' || path.length > MAX_TILE_PATH_LENGTH) {
    throw invalid(`want a string of at most ${MAX_TILE_PATH_LENGTH} characters`);
  }
  const match = TILE_PATH.exec(path);
  if (match === null) throw invalid('want tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]');
  const entries = match[1] === 'entries';
  const level = entries ? 0 : Number(match[1]);
  const index = Number(match[2]!.replace(/x|\//g, ''));
  const width = match[3] === undefined ? TILE_WIDTH : Number(match[3]);
  if (level > MAX_TILE_LEVEL) throw invalid(`level ${level} exceeds ${MAX_TILE_LEVEL}`);
  if (!Number.isSafeInteger(index)) throw invalid('index exceeds 2^53-1');
  if (match[3] !== undefined && width >= TILE_WIDTH) throw invalid(`partial width ${width} is not below ${TILE_WIDTH}`);
  const canonical = entries ? entriesPath(index, width) : tilePath({ level, index, width });
  if (canonical !== path) throw invalid(`the canonical form is ${canonical}`);
  return { entries, level, index, width };
}

/** Returns how many hashes tree level 8 * `level` has for a tree of `size`. */
function hashCountAt(level: number, size: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/** Returns the width of tile (level, index) in a tree of `size`, or 0 if the tree has no such tile. */
export function tileWidth(level: number, index: number, size: number): number {
  const count = hashCountAt(level, size);
  return Math.max(0, Math.min(TILE_WIDTH, count - index * TILE_WIDTH));
}

/**
 * Returns the right-edge tile of each level of a tree of `size`, lowest level first: the tile
 * holding the level's last hash, partial or full. Every tile left of it is full. For size 70000
 * that is 0/273.p/112, 1/001.p/17 and 2/000.p/1; for size 256 it is 0/000 and 1/000.p/1.
 */
export function tilesForSize(size: number): TileId[] {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ProofError('invalid_size', `tree size ${String(size)} is not an integer in [0, 2^53-1]`);
  }
  const tiles: TileId[] = [];
  for (let level = 0; hashCountAt(level, size) > 0; level++) {
    const count = hashCountAt(level, size);
    const index = Math.floor((count - 1) / TILE_WIDTH);
    tiles.push({ level, index, width: count - index * TILE_WIDTH });
  }
  return tiles;
}

/**
 * Returns every tile that a tree of `newSize` has and a tree of `oldSize` lacks or has narrower,
 * with its width at `newSize`, by level and then index. These are the tiles to write when the
 * tree grows; entry bundles follow the level-0 tiles.
 */
export function tilesChangedBetween(oldSize: number, newSize: number): TileId[] {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) {
    throw new ProofError(
      'invalid_size',
      `tree sizes ${String(oldSize)} to ${String(newSize)} are invalid; want 0 <= old <= new <= 2^53-1`,
    );
  }
  const tiles: TileId[] = [];
  for (let level = 0; hashCountAt(level, newSize) > 0; level++) {
    const oldCount = hashCountAt(level, oldSize);
    const newCount = hashCountAt(level, newSize);
    if (newCount === oldCount) continue;
    const first = Math.floor(oldCount / TILE_WIDTH);
    const last = Math.floor((newCount - 1) / TILE_WIDTH);
    for (let index = first; index <= last; index++) {
      tiles.push({ level, index, width: tileWidth(level, index, newSize) });
    }
  }
  return tiles;
}

/** Computes the Merkle tree hash of 2^k hashes laid end to end (a full subtree). */
function hashPerfectSubtree(bytes: Uint8Array, first: number, count: number): Uint8Array {
  let level: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const start = (first + i) * HASH_SIZE;
    level.push(bytes.subarray(start, start + HASH_SIZE));
  }
  while (level.length > 1) {
    const up: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(hashChildren(level[i]!, level[i + 1]!));
    level = up;
  }
  return level[0]!.slice();
}

/** Computes the Merkle tree hash of a full tile: the hash that the tile above stores for it. */
export function hashFullTile(tile: Uint8Array): Uint8Array {
  if (tile.length !== TILE_WIDTH * HASH_SIZE) {
    throw new ProofError('invalid_tile_size', `full tile has ${tile.length} bytes, want ${TILE_WIDTH * HASH_SIZE}`);
  }
  return hashPerfectSubtree(tile, 0, TILE_WIDTH);
}

/**
 * Returns a HashReader for a tree of `size` whose hashes live in tiles. A node at level l is read
 * from the tile of level floor(l / 8); below that tile's own level it is hashed up from the tile's
 * hashes. `readTile` gets the width the size implies and returns exactly width * 32 bytes, or a
 * TileTree at least that wide, whose interior hashes a caller can keep between reads.
 * Each read call fetches every tile it needs once, in parallel.
 * Throws ProofError `node_out_of_range` for a node not complete in the tree, `invalid_tile_size`
 * for a tile of the wrong length.
 */
export function tileHashReader(
  size: number,
  readTile: (tile: TileId) => Promise<Uint8Array | TileTree>,
): HashReader {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new ProofError('invalid_size', `tree size ${String(size)} is not an integer in [0, 2^53-1]`);
  }
  return async (nodes) => {
    // Where each node's hashes sit: tile, first hash in it, and how many hashes to combine.
    const spots = nodes.map((node) => locateNode(node, size));
    const tiles = new Map<string, Promise<Uint8Array | TileTree>>();
    for (const { tile } of spots) {
      const key = `${tile.level}/${tile.index}`;
      if (!tiles.has(key)) tiles.set(key, readCheckedTile(tile, readTile));
    }
    const loaded = new Map<string, Uint8Array | TileTree>();
    await Promise.all(
      [...tiles].map(async ([key, pending]) => {
        loaded.set(key, await pending);
      }),
    );
    return spots.map(({ tile, first, count }) => {
      const hashes = loaded.get(`${tile.level}/${tile.index}`)!;
      return hashes instanceof TileTree ? hashes.subtree(first, count) : hashPerfectSubtree(hashes, first, count);
    });
  };
}

function locateNode(node: NodeId, size: number): { tile: TileId; first: number; count: number } {
  const { level, index } = node;
  const complete =
    Number.isInteger(level) &&
    level >= 0 &&
    level <= MAX_TILE_LEVEL &&
    Number.isSafeInteger(index) &&
    index >= 0 &&
    (index + 1) * 2 ** level <= size;
  if (!complete) {
    throw new ProofError(
      'node_out_of_range',
      `node at level ${String(level)}, index ${String(index)} is not a complete subtree of a tree of size ${size}`,
    );
  }
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const count = 2 ** (level - tileLevel * TILE_HEIGHT);
  const position = index * count;
  const tileIndex = Math.floor(position / TILE_WIDTH);
  const tile = { level: tileLevel, index: tileIndex, width: tileWidth(tileLevel, tileIndex, size) };
  return { tile, first: position - tileIndex * TILE_WIDTH, count };
}

async function readCheckedTile(
  tile: TileId,
  readTile: (tile: TileId) => Promise<Uint8Array | TileTree>,
): Promise<Uint8Array | TileTree> {
  const bytes = await readTile({ ...tile });
  if (bytes instanceof TileTree) {
    if (bytes.width < tile.width) {
      throw new ProofError('invalid_tile_size', `tile ${tilePath(tile)} has ${bytes.width} hashes, want ${tile.width}`);
    }
    return bytes;
  }
  if (!(bytes instanceof Uint8Array) || bytes.length !== tile.width * HASH_SIZE) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
    throw new ProofError(
      'invalid_tile_size',
      `tile ${tilePath(tile)} has ${got}, want ${tile.width * HASH_SIZE}`,
    );
  }
  return bytes;
}

/**
 * The hashes of one tile with every interior node above them, so that a proof reading many
 * subtrees of the same tile hashes each node once. Level k contains the roots of the complete
 * subtrees of 2^k tile hashes; a partial tile has no node that would cover hashes it lacks.
 */
export class TileTree {
  readonly bytes: Uint8Array;
  readonly width: number;
  #levels: Uint8Array[] | undefined;

  constructor(bytes: Uint8Array) {
    if (bytes.length === 0 || bytes.length % HASH_SIZE !== 0 || bytes.length > TILE_WIDTH * HASH_SIZE) {
      throw new ProofError('invalid_tile_size', `tile has ${bytes.length} bytes, want 1 to 256 hashes of 32 bytes`);
    }
    this.bytes = bytes;
    this.width = bytes.length / HASH_SIZE;
  }

  /** Returns the hash of the `count` (a power of two) tile hashes from `first`, a multiple of it. */
  subtree(first: number, count: number): Uint8Array {
    if (count === 1) return this.bytes.slice(first * HASH_SIZE, (first + 1) * HASH_SIZE);
    const levels = (this.#levels ??= this.#hashLevels());
    const k = Math.log2(count);
    const level = levels[k];
    const position = first / count;
    if (level === undefined || !Number.isInteger(k) || !Number.isInteger(position) || (position + 1) * HASH_SIZE > level.length) {
      throw new ProofError('node_out_of_range', `tile of width ${this.width} has no subtree of ${count} hashes at ${first}`);
    }
    return level.slice(position * HASH_SIZE, (position + 1) * HASH_SIZE);
  }

  #hashLevels(): Uint8Array[] {
    const levels = [this.bytes];
    for (let below = this.bytes; below.length >= 2 * HASH_SIZE; ) {
      const count = Math.floor(below.length / (2 * HASH_SIZE));
      const up = new Uint8Array(count * HASH_SIZE);
      for (let i = 0; i < count; i++) {
        const left = below.subarray(2 * i * HASH_SIZE, (2 * i + 1) * HASH_SIZE);
        const right = below.subarray((2 * i + 1) * HASH_SIZE, (2 * i + 2) * HASH_SIZE);
        up.set(hashChildren(left, right), i * HASH_SIZE);
      }
      levels.push(up);
      below = up;
    }
    return levels;
  }
}
