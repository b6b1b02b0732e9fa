import type { Mismatch } from './outcomes.js';

/** The pilot's report, printed as text or JSON. */
export interface PilotSummary {
  passed: boolean;
  runNumber: string;
  hub: string;
  /** The data directory of the hub the pilot started, or null against another hub. */
  dataDir: string | null;
  /** Entries this run logged, by kind. */
  entriesByKind: Record<string, number>;
  /** Submissions the hub rejected, by error code; the scenario expects each of them. */
  rejectionsByCode: Record<string, number>;
  documents: number;
  /** Verifications by overall result. */
  documentsByResult: Record<string, number>;
  /** Logged verification decisions. */
  decisions: Record<string, number>;
  exchanges: number;
  logSize: number;
  /** The newest checkpoint the audit checked everything against, as a signed note. */
  checkpoint: string;
  receiptsChecked: number;
  checkpointsChecked: number;
  outcomesChecked: number;
  durationMs: number;
  mismatches: Mismatch[];
}

/** Formats the summary as the text `ecert pilot` prints. */
export function formatSummary(summary: PilotSummary): string {
  const lines = [
    `pilot run ${summary.runNumber} against ${summary.hub}${summary.dataDir === null ? '' : ` (data ${summary.dataDir})`}`,
    `  entries logged by this run, by kind:`,
    ...table(summary.entriesByKind),
    `  rejections by code (all expected unless listed below):`,
    ...table(summary.rejectionsByCode),
    `  documents registered: ${summary.documents}, by verification result:`,
    ...table(summary.documentsByResult),
    `  decisions recorded:`,
    ...table(summary.decisions),
    `  exchanges: ${summary.exchanges}`,
    `  log size: ${summary.logSize}; receipts checked: ${summary.receiptsChecked}; checkpoints checked: ${summary.checkpointsChecked}`,
    `  outcomes compared with the scenario: ${summary.outcomesChecked}`,
    `  time taken: ${(summary.durationMs / 1000).toFixed(1)} s`,
  ];
  if (summary.passed) {
    lines.push('PASSED: every outcome matched the scenario');
  } else {
    lines.push(`FAILED: ${summary.mismatches.length} outcomes differ from the scenario:`);
    for (const mismatch of summary.mismatches) {
      const detail = mismatch.detail === undefined ? '' : ` (${mismatch.detail})`;
      lines.push(`  - ${mismatch.step}: expected ${mismatch.expected}, got ${mismatch.actual}${detail}`);
    }
  }
  return lines.join('\n') + '\n';
}

function table(counts: Record<string, number>): string[] {
  const entries = Object.entries(counts);
  if (entries.length === 0) return ['      none'];
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, count]) => `      ${key.padEnd(width)}  ${count}`);
}
