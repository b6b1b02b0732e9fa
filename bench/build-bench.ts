/**
 * Benchmark 3: time and memory to build a tree of `size` leaves, our paths against merkletreejs.
 * Each contender runs in a child process of its own (build-child.ts), so one contender's garbage
 * cannot raise another's peak.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CONTENDERS, type BuildMeasurement, type Contender } from './build-measurement.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./build-child.js', import.meta.url));

/** Rounds over all contenders; each contender's fastest round counts, since other load only slows. */
const ROUNDS = 2;

export interface BuildResult {
  /** Each contender's fastest round, with that round's memory figures. */
  contenders: BuildMeasurement[];
  /** Seconds of every round per contender, to show the spread. */
  roundSeconds: Record<string, number[]>;
  /** Our sequencer path (tile-writer) against merkletreejs: how many times faster, and leaner. */
  tileWriterSpeedup: number;
  tileWriterPeakRssShare: number;
  tileWriterRetainedShare: number;
}

/** Runs every contender at `size` ROUNDS times and checks that all agree on the root. */
export async function benchBuild(size: number): Promise<BuildResult> {
  const fastest = new Map<Contender, BuildMeasurement>();
  const roundSeconds: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const contender of CONTENDERS) {
      const measured = await runChild(contender, size);
      (roundSeconds[contender] ??= []).push(measured.seconds);
      const best = fastest.get(contender);
      if (best === undefined || measured.seconds < best.seconds) fastest.set(contender, measured);
    }
  }
  const contenders = CONTENDERS.map((contender) => fastest.get(contender)!);

  const roots = new Set(contenders.map((c) => c.rootHex));
  if (roots.size !== 1) {
    const listed = contenders.map((c) => `${c.contender} ${c.rootHex}`).join(', ');
    throw new Error(`contenders built different roots for size ${size}: ${listed}`);
  }
  const ours = contenders.find((c) => c.contender === 'tile-writer')!;
  const theirs = contenders.find((c) => c.contender === 'merkletreejs')!;
  return {
    contenders,
    roundSeconds,
    tileWriterSpeedup: theirs.seconds / ours.seconds,
    tileWriterPeakRssShare: ours.peakRssDelta / theirs.peakRssDelta,
    tileWriterRetainedShare: ours.retainedHeapDelta / theirs.retainedHeapDelta,
  };
}

async function runChild(contender: Contender, size: number): Promise<BuildMeasurement> {
  const args = ['--expose-gc', CHILD, contender, String(size)];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 1024 * 1024 });
  return JSON.parse(stdout) as BuildMeasurement;
}
