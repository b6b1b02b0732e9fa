/** The expected outcome of a submission: `accepted`, or the code the hub must reject it with. */
export type Expectation = 'accepted' | string;

/** An outcome that differs from what the scenario expects. */
export interface Mismatch {
  step: string;
  expected: string;
  actual: string;
  detail?: string;
}

/**
 * Every outcome of the run compared with the scenario's expectation: submissions (accepted
 * or rejected with a code), verification results, and the final log checks. The pilot
 * passes only when this log contains no mismatch.
 */
export class OutcomeLog {
  readonly mismatches: Mismatch[] = [];
  readonly entriesByKind = new Map<string, number>();
  readonly rejectionsByCode = new Map<string, number>();
  outcomesChecked = 0;

  /** Records a submission's outcome: `accepted` or the hub's error code. */
  submission(step: string, kind: string, expected: Expectation, actual: Expectation, detail?: string): void {
    if (actual === 'accepted') increment(this.entriesByKind, kind);
    else increment(this.rejectionsByCode, actual);
    this.compare(step, expected, actual, detail);
  }

  /** Records any other outcome against its expectation. */
  compare(step: string, expected: string, actual: string, detail?: string): void {
    this.compareMatch(step, expected, actual, expected === actual, detail);
  }

  /**
   * Records an outcome that `matches` its expectation or not, for an expectation that is
   * not one exact value (such as alternatives); `expected` describes it.
   */
  compareMatch(step: string, expected: string, actual: string, matches: boolean, detail?: string): void {
    this.outcomesChecked++;
    if (matches) return;
    this.mismatches.push(detail === undefined ? { step, expected, actual } : { step, expected, actual, detail });
  }

  /** Records a failure that has no expected counterpart, such as a proof that does not verify. */
  failure(step: string, detail: string): void {
    this.compare(step, 'ok', 'failed', detail);
  }

  get passed(): boolean {
    return this.mismatches.length === 0;
  }
}

export function increment(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

/** Returns a Map as a plain object with sorted keys, for the JSON summary. */
export function sortedObject(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}
