import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NoteError, ProofError } from '../../ledger/errors.js';
import { hashLeaf } from '../../ledger/hash.js';
import {
  buildTreeLevels,
  levelsHashReader,
  proveConsistency,
  proveConsistencySync,
  proveInclusion,
  proveInclusionSync,
  treeRoot,
  treeRootSync,
} from '../../ledger/proof.js';
import {
  TILE_WIDTH,
  entriesPath,
  hashFullTile,
  parseTilePath,
  TileTree,
  tileHashReader,
  tilePath,
  tileWidth,
  tilesChangedBetween,
  tilesForSize,
  type TileId,
} from '../../ledger/tile.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const vectors = path.resolve(projectRoot, '../shared/vectors');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

interface TilePathVectors {
  c2spIndexEncoding: { n: number; path: string }[];
  c2spTileExamples: { treeSize: number; expect: string }[];
  goSumdbPathSeeds: string[];
}
const tileVectors = JSON.parse(readFileSync(path.join(vectors, 'tiles/tile-paths.json'), 'utf8')) as TilePathVectors;

describe('tile paths', () => {
  it.each(tileVectors.c2spIndexEncoding)('index $n encodes as $path', ({ n, path: encoded }) => {
    expect(tilePath({ level: 0, index: n, width: TILE_WIDTH })).toBe(`tile/0/${encoded}`);
    expect(entriesPath(n, TILE_WIDTH)).toBe(`tile/entries/${encoded}`);
    expect(parseTilePath(`tile/3/${encoded}.p/7`)).toEqual({ entries: false, level: 3, index: n, width: 7 });
  });

  it('partial tiles carry .p/W', () => {
    expect(tilePath({ level: 0, index: 1234, width: 5 })).toBe('tile/0/x001/234.p/5');
    expect(entriesPath(1, 3)).toBe('tile/entries/001.p/3');
    expect(parseTilePath('tile/entries/x001/000.p/3')).toEqual({ entries: true, level: 0, index: 1000, width: 3 });
    expect(parseTilePath('tile/63/000')).toEqual({ entries: false, level: 63, index: 0, width: 256 });
  });

  it('round trips for random tiles', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          expect(parseTilePath(tilePath({ level, index, width }))).toEqual({ entries: false, level, index, width });
          expect(parseTilePath(entriesPath(index, width))).toEqual({ entries: true, level: 0, index, width });
        },
      ),
      { numRuns: 1000 },
    );
  });

  // The Go sumdb form puts the tile height first (tile/8/0/001); C2SP paths have no height, so a
  // strict C2SP parser rejects those seeds.
  it.each(tileVectors.goSumdbPathSeeds.map((seed) => seed.split(' ')[0]!))('Go sumdb path %s is rejected', (seed) => {
    expect(() => parseTilePath(seed)).toThrow(NoteError);
  });

  it.each([
    ['leading zero group', 'tile/0/x000/001'],
    ['leading zero level', 'tile/01/000'],
    ['level 64', 'tile/64/000'],
    ['explicit full width', 'tile/0/000.p/256'],
    ['width 0', 'tile/0/000.p/0'],
    ['width with leading zero', 'tile/0/000.p/05'],
    ['short group', 'tile/0/01'],
    ['missing x', 'tile/0/001/234'],
    ['x on last group', 'tile/0/x001'],
    ['leading slash', '/tile/0/000'],
    ['trailing slash', 'tile/0/000/'],
    ['entries with level', 'tile/entries/0/000'],
    ['data tiles', 'tile/data/000'],
    ['index above 2^53', 'tile/0/x009/x007/x199/x254/x740/x992'],
    ['empty', ''],
  ])('%s is invalid_tile_path', (_desc, input) => {
    try {
      parseTilePath(input);
      expect.fail(`parsed ${input}`);
    } catch (error) {
      expect(error).toBeInstanceOf(NoteError);
      expect((error as NoteError).code).toBe('invalid_tile_path');
    }
  });

  it('invalid tile id is invalid_tile', () => {
    expect(() => tilePath({ level: 0, index: 0, width: 0 })).toThrow(expect.objectContaining({ code: 'invalid_tile' }));
    expect(() => tilePath({ level: 64, index: 0, width: 1 })).toThrow(expect.objectContaining({ code: 'invalid_tile' }));
    expect(() => entriesPath(-1, 1)).toThrow(expect.objectContaining({ code: 'invalid_tile' }));
  });
});

describe('tiles of a tree size', () => {
  it('size 70000 has the spec example tiles', () => {
    expect(tilesForSize(70000).map(tilePath)).toEqual(['tile/0/273.p/112', 'tile/1/001.p/17', 'tile/2/000.p/1']);
    expect(tileWidth(0, 272, 70000)).toBe(256);
    expect(tileWidth(1, 0, 70000)).toBe(256);
    expect(tileWidth(0, 274, 70000)).toBe(0);
    const changed = tilesChangedBetween(0, 70000);
    expect(changed.filter((t) => t.level === 0 && t.width === 256)).toHaveLength(273);
    expect(changed.filter((t) => t.level === 1).map(tilePath)).toEqual(['tile/1/000', 'tile/1/001.p/17']);
    expect(changed.filter((t) => t.level === 2).map(tilePath)).toEqual(['tile/2/000.p/1']);
    expect(changed).toHaveLength(273 + 1 + 2 + 1);
  });

  it('size 256 edge tiles', () => {
    expect(tilesForSize(256).map(tilePath)).toEqual(['tile/0/000', 'tile/1/000.p/1']);
  });

  it('size 0 has no tiles', () => {
    expect(tilesForSize(0)).toEqual([]);
    expect(tilesChangedBetween(0, 0)).toEqual([]);
  });

  it('size 2^53-1 has a right-edge tile on 7 levels', () => {
    const tiles = tilesForSize(Number.MAX_SAFE_INTEGER);
    expect(tiles.map((t) => t.level)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(tiles.every((t) => Number.isSafeInteger(t.index))).toBe(true);
    expect(tiles[6]).toEqual({ level: 6, index: 0, width: 31 });
  });

  it('growth from 300 to 600 rewrites only the edge', () => {
    expect(tilesChangedBetween(300, 600).map(tilePath)).toEqual(['tile/0/001', 'tile/0/002.p/88', 'tile/1/000.p/2']);
  });

  it('growth keeps the widths the formula gives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 0, max: 5000 }), (oldSize, growth) => {
        const newSize = oldSize + growth;
        for (const tile of tilesChangedBetween(oldSize, newSize)) {
          expect(tile.width).toBe(tileWidth(tile.level, tile.index, newSize));
          expect(tile.width).toBeGreaterThan(tileWidth(tile.level, tile.index, oldSize));
        }
        for (const tile of tilesForSize(newSize)) {
          expect(tile.width).toBe(Math.floor(newSize / 256 ** tile.level) % 256 || 256);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('tileHashReader', () => {
  const maxSize = 70_000;
  const leaves = Array.from({ length: maxSize }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`)));
  const levels = buildTreeLevels(leaves);
  const memory = levelsHashReader(levels);

  /** Serves tile bytes from the in-memory tree: level-L tile hashes are tree level 8L nodes. */
  function readTileFrom(calls: TileId[]) {
    return async (tile: TileId): Promise<Uint8Array> => {
      calls.push(tile);
      const hashes = levels[tile.level * 8]!.slice(tile.index * 256, tile.index * 256 + tile.width);
      return new Uint8Array(Buffer.concat(hashes));
    };
  }

  it('level-1 tile hashes are the hashes of full level-0 tiles', async () => {
    const calls: TileId[] = [];
    const read = readTileFrom(calls);
    const level0 = await read({ level: 0, index: 5, width: 256 });
    const level1 = await read({ level: 1, index: 0, width: 256 });
    expect(hex(hashFullTile(level0))).toBe(hex(level1.subarray(5 * 32, 6 * 32)));
  });

  it('proofs and roots equal the in-memory ones for random sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: maxSize }).chain((size) =>
          fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 1, max: size })),
        ),
        async ([size, index, size1]) => {
          const calls: TileId[] = [];
          const reader = tileHashReader(size, readTileFrom(calls));
          expect(hex(await treeRoot(size, reader))).toBe(hex(treeRootSync(size, memory)));
          expect((await proveInclusion(index, size, reader)).map(hex)).toEqual(proveInclusionSync(index, size, memory).map(hex));
          expect((await proveConsistency(size1, size, reader)).map(hex)).toEqual(
            proveConsistencySync(size1, size, memory).map(hex),
          );
          for (const tile of calls) expect(tile.width).toBe(tileWidth(tile.level, tile.index, size));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reads each tile once per call', async () => {
    const calls: TileId[] = [];
    const reader = tileHashReader(70_000, readTileFrom(calls));
    await reader([
      { level: 0, index: 3 },
      { level: 1, index: 2 },
      { level: 3, index: 1 },
      { level: 8, index: 1 },
      { level: 9, index: 0 },
    ]);
    expect(calls.map(tilePath).sort()).toEqual(['tile/0/000', 'tile/1/000'].sort());
  });

  it('node beyond the tree is node_out_of_range', async () => {
    const reader = tileHashReader(1000, readTileFrom([]));
    await expect(reader([{ level: 3, index: 125 }])).rejects.toMatchObject({ code: 'node_out_of_range' });
    await expect(reader([{ level: 0, index: 1000 }])).rejects.toBeInstanceOf(ProofError);
  });

  it('TileTree reads give the same proofs as raw tiles', async () => {
    // Full tiles come back as TileTrees wider than the width asked for, as a reader's cache does.
    const trees = new Map<string, TileTree>();
    const readTree = async (tile: TileId): Promise<Uint8Array | TileTree> => {
      const full = levels[tile.level * 8]!.length >= (tile.index + 1) * 256;
      if (!full) return readTileFrom([])(tile);
      const key = `${tile.level}/${tile.index}`;
      if (!trees.has(key)) trees.set(key, new TileTree(await readTileFrom([])({ ...tile, width: 256 })));
      return trees.get(key)!;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: maxSize }).chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }))),
        async ([size, index]) => {
          const reader = tileHashReader(size, readTree);
          expect((await proveInclusion(index, size, reader)).map(hex)).toEqual(proveInclusionSync(index, size, memory).map(hex));
          expect(hex(await treeRoot(size, reader))).toBe(hex(treeRootSync(size, memory)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('TileTree narrower than the tile asked for is invalid_tile_size', async () => {
    const reader = tileHashReader(1000, async () => new TileTree(new Uint8Array(32 * 2)));
    await expect(reader([{ level: 0, index: 999 }])).rejects.toMatchObject({ code: 'invalid_tile_size' });
  });

  it('tile of the wrong length is invalid_tile_size', async () => {
    const reader = tileHashReader(1000, async (tile) => new Uint8Array(tile.width * 32 - 1));
    await expect(reader([{ level: 0, index: 999 }])).rejects.toMatchObject({ code: 'invalid_tile_size' });
  });
});
