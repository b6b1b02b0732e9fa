import { LedgerError } from '../ledger/errors.js';

/** Values that locate a report error in its input, such as the query or a date. */
export type ReportErrorEvidence = Readonly<Record<string, string | number | boolean | null>>;

/**
 * A history or KPI request that the verified log cannot serve. Callers switch on `code`:
 * `not_found` (no document or exchange by that name), `invalid_query`, `invalid_date` or
 * `invalid_range`.
 */
export class ReportError extends LedgerError {
  readonly evidence: ReportErrorEvidence;

  constructor(code: string, message: string, evidence: ReportErrorEvidence = {}, options?: { cause?: unknown }) {
    super(code, message, options);
    this.evidence = evidence;
  }
}
