/** Turns benchmark results into the table that `npm run bench` prints. */
import type { BuildResult } from './build-bench.js';
import type { ProofResult } from './proof-bench.js';
import type { SequencerResult } from './sequencer-bench.js';

export interface Row {
  benchmark: string;
  measure: string;
  value: string;
  target?: string;
  met?: boolean;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const perSecond = (n: number): string => `${count(n)}/s`;
const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

export function sequencerRows(r: SequencerResult): Row[] {
  const name = `sequencer (${count(r.bare.entries)} entries)`;
  return [
    { benchmark: name, measure: 'bare leaf hash + compact range', value: perSecond(r.bare.perSecond) },
    { benchmark: name, measure: `sequencer, memory storage, batch ${r.batchSize}`, value: perSecond(r.memory.perSecond) },
    { benchmark: name, measure: `sequencer, LevelDB, batch ${r.batchSize}`, value: perSecond(r.level.perSecond) },
    {
      benchmark: name,
      measure: `sequencer, LevelDB, batch ${r.largeBatchSize}`,
      value: perSecond(r.levelLargeBatch.perSecond),
    },
    { benchmark: name, measure: 'memory storage / bare', value: percent(r.memoryToBare) },
    {
      benchmark: name,
      measure: `LevelDB batch ${r.batchSize} / bare`,
      value: percent(r.levelToBare),
      target: '>= 50%',
      met: r.levelToBare >= 0.5,
    },
  ];
}

export function proofRows(r: ProofResult): Row[] {
  const name = `inclusion proofs (${count(r.size)} entries)`;
  return [
    { benchmark: name, measure: 'build log in LevelDB (TileWriter)', value: `${r.build.seconds.toFixed(1)} s, ${perSecond(r.build.entriesPerSecond)}` },
    { benchmark: name, measure: 'proofs, warm tile cache', value: perSecond(r.warm.perSecond) },
    { benchmark: name, measure: 'proofs, default cache (4096 tiles)', value: perSecond(r.defaultCache.perSecond) },
    { benchmark: name, measure: 'proofs, reopened store, no cache', value: perSecond(r.uncached.perSecond) },
    { benchmark: name, measure: 'same, 64 in flight', value: perSecond(r.uncachedConcurrent.perSecond) },
    { benchmark: name, measure: 'verifyInclusion', value: perSecond(r.verify.perSecond) },
    { benchmark: name, measure: 'mean proof length', value: `${r.meanProofHashes.toFixed(1)} hashes` },
  ];
}

export function buildRows(r: BuildResult): Row[] {
  const rows: Row[] = [];
  for (const c of r.contenders) {
    rows.push({
      benchmark: `build tree (${count(c.size)} leaves)`,
      measure: c.contender,
      value:
        `${c.seconds.toFixed(2)} s, peak rss +${megabytes(c.peakRssDelta)}, ` +
        `peak heap +${megabytes(c.peakHeapDelta)}, retained +${megabytes(c.retainedHeapDelta)}`,
    });
  }
  const name = 'tile-writer vs merkletreejs';
  rows.push(
    { benchmark: name, measure: 'speed', value: `${r.tileWriterSpeedup.toFixed(2)}x`, target: 'faster', met: r.tileWriterSpeedup > 1 },
    {
      benchmark: name,
      measure: 'peak rss share',
      value: percent(r.tileWriterPeakRssShare),
      target: '<= 10%',
      met: r.tileWriterPeakRssShare <= 0.1,
    },
    {
      benchmark: name,
      measure: 'retained memory share',
      value: percent(r.tileWriterRetainedShare),
      target: '<= 10%',
      met: r.tileWriterRetainedShare <= 0.1,
    },
  );
  return rows;
}

/** Formats rows as a fixed-width text table. */
export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((row) => [
    row.benchmark,
    row.measure,
    row.value,
    row.target ?? '',
    row.met === undefined ? '' : row.met ? 'met' : 'NOT met',
  ]);
  const header = ['benchmark', 'measure', 'value', 'target', 'result'];
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i]!.length)));
  const format = (line: readonly string[]): string =>
    line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...cells.map(format)].join('\n');
}
