/**
 * One contender of benchmark 3, run in its own process so heaps do not mix:
 *   node --expose-gc dist/bench/build-child.js <contender> <size>
 * It builds a tree of `size` leaves from the benchmark entries, from leaf hashing to root, and
 * prints one JSON line (BuildMeasurement) on stdout.
 */
import { hash } from 'node:crypto';
import { MerkleTree } from 'merkletreejs';
import { CompactRange } from '../ledger/compact-range.js';
import { hashLeaf } from '../ledger/hash.js';
import { buildTreeLevels, levelsHashReader, treeRootSync } from '../ledger/proof.js';
import { TileWriter } from '../ledger/tile-writer.js';
import { CONTENDERS, type BuildMeasurement, type Contender } from './build-measurement.js';
import { makeEntryPool } from './entries.js';
import { PeakMemory, collectGarbage, sampleMemory } from './measure.js';

const ENTRY_POOL_SIZE = 8192;
/** Memory is sampled every this many leaves or hash calls. */
const SAMPLE_EVERY = 4096;
/** Entries per TileWriter.grow call: the sequencer's default batch size. */
const GROW_BATCH = 256;

interface Built {
  root: Uint8Array;
  /** The structure that serves proofs, kept alive until the retained memory is measured. */
  keep: unknown;
}

function buildWithCompactRange(pool: readonly Uint8Array[], size: number, peak: PeakMemory): Built {
  const range = new CompactRange();
  for (let i = 0; i < size; i++) {
    range.append(hashLeaf(pool[i % pool.length]!));
    peak.tick();
  }
  return { root: range.root(), keep: range };
}

/** The sequencer's path: TileWriter.grow per batch, keeping the latest version of every tile. */
function buildWithTileWriter(pool: readonly Uint8Array[], size: number, peak: PeakMemory): Built {
  const tiles = new Map<string, Uint8Array>();
  let writer = TileWriter.empty();
  while (writer.size < size) {
    const count = Math.min(GROW_BATCH, size - writer.size);
    const entries: Uint8Array[] = [];
    for (let i = 0; i < count; i++) entries.push(pool[(writer.size + i) % pool.length]!);
    const growth = writer.grow(entries);
    // Bundles are dropped: the other contenders keep no entries either.
    for (const tile of growth.tiles) tiles.set(`${tile.level}/${tile.index}`, tile.hashes);
    writer = growth.next;
    for (let i = 0; i < count; i++) peak.tick();
  }
  return { root: writer.root(), keep: tiles };
}

function buildWithTreeLevels(pool: readonly Uint8Array[], size: number, peak: PeakMemory): Built {
  const leafHashes: Uint8Array[] = [];
  for (let i = 0; i < size; i++) {
    leafHashes.push(hashLeaf(pool[i % pool.length]!));
    peak.tick();
  }
  peak.sample();
  const levels = buildTreeLevels(leafHashes);
  peak.sample();
  return { root: treeRootSync(size, levelsHashReader(levels)), keep: levels };
}

/**
 * merkletreejs set up for RFC 6962: leaves pre-hashed with the 0x00 prefix, and a hashFn that
 * prefixes 0x01. With its default options an odd last node moves up unchanged, which is the
 * RFC 6962 rule for a right edge that is not a complete subtree.
 */
function buildWithMerkleTreeJs(pool: readonly Uint8Array[], size: number, peak: PeakMemory): Built {
  const leaves: Buffer[] = [];
  for (let i = 0; i < size; i++) {
    const leaf = hashLeaf(pool[i % pool.length]!);
    leaves.push(Buffer.from(leaf.buffer, leaf.byteOffset, leaf.length));
    peak.tick();
  }
  const nodePrefix = Buffer.from([1]);
  const hashNode = (data: Buffer): Buffer => {
    // Sampling here reaches inside the constructor, which builds the whole tree synchronously.
    peak.tick();
    return hash('sha256', Buffer.concat([nodePrefix, data]), 'buffer');
  };
  const tree = new MerkleTree(leaves, hashNode);
  return { root: new Uint8Array(tree.getRoot()), keep: tree };
}

const BUILDERS: Record<Contender, (pool: readonly Uint8Array[], size: number, peak: PeakMemory) => Built> = {
  'compact-range': buildWithCompactRange,
  'tile-writer': buildWithTileWriter,
  'tree-levels': buildWithTreeLevels,
  merkletreejs: buildWithMerkleTreeJs,
};

function measure(contender: Contender, size: number): BuildMeasurement {
  const pool = makeEntryPool(ENTRY_POOL_SIZE);
  collectGarbage();
  const baseline = sampleMemory();
  const peak = new PeakMemory(SAMPLE_EVERY);
  peak.sample();

  const start = performance.now();
  const built = BUILDERS[contender](pool, size, peak);
  const seconds = (performance.now() - start) / 1000;
  peak.sample();

  collectGarbage();
  const retained = sampleMemory();
  const result: BuildMeasurement = {
    contender,
    size,
    seconds,
    leavesPerSecond: Math.round(size / seconds),
    rootHex: Buffer.from(built.root).toString('hex'),
    peakRssDelta: peak.rss - baseline.rss,
    peakHeapDelta: peak.heap - baseline.heap,
    retainedHeapDelta: retained.heap - baseline.heap,
  };
  // Reading `keep` after the GC makes sure the tree was alive when the retained memory was sampled.
  if (built.keep === undefined) throw new Error(`${contender} built nothing`);
  return result;
}

function main(): void {
  const [contender, sizeText] = process.argv.slice(2);
  const size = Number(sizeText);
  if (!CONTENDERS.includes(contender as Contender) || !Number.isSafeInteger(size) || size < 1) {
    process.stderr.write(`usage: build-child.js <${CONTENDERS.join('|')}> <size of at least 1>\n`);
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(measure(contender as Contender, size))}\n`);
}

main();
