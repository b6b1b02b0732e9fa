import type { DocumentVerificationReport } from './verify.js';

/** Maximum length of an evidence value in the text report; the JSON report carries it whole. */
const MAX_EVIDENCE_TEXT = 160;

/**
 * Renders a verification report as text for a terminal: the result, the document and
 * checkpoint, then one block per check with its indication, message and evidence.
 */
export function formatReport(report: DocumentVerificationReport): string {
  const lines = [`${report.result}  document ${report.document.sha256}`];
  if (report.document.index !== undefined) {
    lines.push(`  logged as entry ${report.document.index} at ${report.document.loggedAt ?? '?'}`);
  }
  if (report.checkpoint !== undefined) {
    lines.push(`  checked against checkpoint ${report.checkpoint.size} of ${report.checkpoint.origin}`);
  }
  for (const check of report.checks) {
    const indication = check.subIndication === undefined ? check.indication : `${check.indication}/${check.subIndication}`;
    lines.push('', `${check.id.padEnd(14)} ${indication}`, `  ${check.message}`);
    for (const [name, value] of Object.entries(check.evidence)) {
      const text = String(value);
      lines.push(`    ${name}: ${text.length > MAX_EVIDENCE_TEXT ? `${text.slice(0, MAX_EVIDENCE_TEXT - 3)}...` : text}`);
    }
  }
  return `${lines.map(printable).join('\n')}\n`;
}

/** Replaces control characters, which certificate subjects and messages from a PDF may carry, so a terminal shows them inert. */
function printable(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
