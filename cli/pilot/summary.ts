import { CHECK_IDS } from '../../registry/kinds/verification.js';
import type { Mismatch } from './outcomes.js';
import type { VerifiedDocument } from './verification.js';
import type { WitnessSummary } from './witnessing.js';

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
  /** Verifications by check, then by `INDICATION[/SUB_INDICATION]`. */
  checksByOutcome: Record<string, Record<string, number>>;
  /** Every verification, by exchange. */
  verifications: VerifiedDocument[];
  witnesses: WitnessSummary;
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
    `  verifications by check:`,
    ...checkTable(summary.checksByOutcome),
    `  documents not TOTAL-PASSED:`,
    ...notPassed(summary.verifications),
    ...witnessLines(summary.witnesses, summary.verifications.length),
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

/** Groups counts keyed `id=OUTCOME` by check, in the standard check order, outcomes sorted. */
export function groupByCheck(counts: ReadonlyMap<string, number>): Record<string, Record<string, number>> {
  const grouped: Record<string, Record<string, number>> = {};
  for (const id of CHECK_IDS) {
    const outcomes = [...counts]
      .filter(([key]) => key.startsWith(`${id}=`))
      .map(([key, count]) => [key.slice(id.length + 1), count] as const)
      .sort(([a], [b]) => a.localeCompare(b));
    if (outcomes.length > 0) grouped[id] = Object.fromEntries(outcomes);
  }
  return grouped;
}

function checkTable(byCheck: Record<string, Record<string, number>>): string[] {
  const entries = Object.entries(byCheck);
  if (entries.length === 0) return ['      none'];
  const width = Math.max(...entries.map(([id]) => id.length));
  return entries.map(([id, outcomes]) => {
    const items = Object.entries(outcomes).map(([outcome, count]) => `${outcome} ${count}`);
    return `      ${id.padEnd(width)}  ${items.join(', ')}`;
  });
}

function notPassed(verifications: readonly VerifiedDocument[]): string[] {
  const listed = verifications.filter((verification) => verification.result !== 'TOTAL-PASSED');
  if (listed.length === 0) return ['      none'];
  return listed.map((verification) => {
    const checks = verification.checks.filter((check) => !check.endsWith('=PASSED'));
    return `      ${verification.result} (${verification.decision}) ${verification.label}: ${checks.join(', ')}`;
  });
}

function witnessLines(witnesses: WitnessSummary, verifications: number): string[] {
  if (witnesses.mode === 'skipped') return [`  witnesses: skipped: ${witnesses.skipReason}`];
  const names = witnesses.witnesses.length === 0 ? 'none' : witnesses.witnesses.join(', ');
  const origin = witnesses.mode === 'added' ? 'added by this run' : "the hub's own";
  const lines = [`  witnesses: ${names} (${origin}), witness quorum ${witnesses.quorum}`];
  if (witnesses.checkpointSize === null) {
    lines.push('  traceability checked against a witnessed checkpoint: none was available (see the failures below)');
  } else {
    lines.push(
      `  traceability checked against witnessed checkpoint ${witnesses.checkpointSize}, cosigned by ${witnesses.cosigners.join(', ')}: ` +
        `${witnesses.verificationsWitnessed} of ${verifications} verifications passed`,
    );
  }
  return lines;
}

function table(counts: Record<string, number>): string[] {
  const entries = Object.entries(counts);
  if (entries.length === 0) return ['      none'];
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, count]) => `      ${key.padEnd(width)}  ${count}`);
}
