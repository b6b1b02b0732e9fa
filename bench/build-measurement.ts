/** The contenders of benchmark 3 and what each child process reports. */

export const CONTENDERS = ['compact-range', 'tile-writer', 'tree-levels', 'merkletreejs'] as const;
export type Contender = (typeof CONTENDERS)[number];

/** One contender's build. Memory figures are bytes above the baseline taken before the build. */
export interface BuildMeasurement {
  contender: Contender;
  size: number;
  seconds: number;
  leavesPerSecond: number;
  rootHex: string;
  /**
   * Highest sampled resident set size. The OS's maxRSS would not do: Linux carries it over from
   * the parent across fork and exec, so a child would report the parent's peak.
   */
  peakRssDelta: number;
  /** Highest sampled JS heap plus external memory (Buffers and ArrayBuffers). */
  peakHeapDelta: number;
  /** Heap plus external memory still in use after the build and a full GC: what the tree keeps. */
  retainedHeapDelta: number;
}
