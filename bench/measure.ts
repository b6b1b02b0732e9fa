/** Timing and memory sampling shared by the benchmarks. */
import { performance } from 'node:perf_hooks';

/** Runs `work` once and returns its result with the elapsed wall time in seconds. */
export async function timed<T>(work: () => Promise<T> | T): Promise<{ result: T; seconds: number }> {
  const start = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - start) / 1000 };
}

/** Operations per second, rounded to whole operations. */
export function rate(count: number, seconds: number): number {
  return Math.round(count / seconds);
}

/** Runs a full garbage collection twice if node runs with --expose-gc; otherwise does nothing. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

/** Memory of the process in bytes: resident set, and JS heap plus memory outside it (Buffers). */
export interface MemorySample {
  rss: number;
  heap: number;
}

export function sampleMemory(): MemorySample {
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed + usage.external };
}

/**
 * Keeps the highest memory seen across samples. Builds run synchronously, so a timer cannot
 * sample during them; the build code calls `tick` instead, and every `every`th tick samples.
 */
export class PeakMemory {
  readonly #every: number;
  #ticks = 0;
  rss = 0;
  heap = 0;

  constructor(every: number) {
    this.#every = every;
  }

  tick(): void {
    this.#ticks++;
    if (this.#ticks % this.#every === 0) this.sample();
  }

  sample(): void {
    const now = sampleMemory();
    this.rss = Math.max(this.rss, now.rss);
    this.heap = Math.max(this.heap, now.heap);
  }
}

/** Returns a random number generator in [0, 1) from a fixed seed, so runs pick the same indexes. */
export function seededRandom(seed: number): () => number {
  // Park-Miller minimal standard generator: exact in doubles since 16807 * (2^31 - 2) < 2^53.
  let state = seed % 2_147_483_647 || 1;
  return () => {
    state = (state * 16_807) % 2_147_483_647;
    return (state - 1) / 2_147_483_646;
  };
}
