import { LedgerError } from '../ledger/errors.js';

/** Values that locate an error in its input, such as a line number or a field name. */
export type VerificationErrorEvidence = Readonly<Record<string, string | number | boolean | null>>;

/**
 * Input the verifier cannot use: a malformed witness policy, receipt file or log. Callers
 * switch on `code` (`invalid_policy`, `invalid_receipt`, `invalid_log`); `evidence` locates
 * the problem. A document that fails a check is not an error: it is a report.
 */
export class VerificationError extends LedgerError {
  readonly evidence: VerificationErrorEvidence;

  constructor(code: string, message: string, evidence: VerificationErrorEvidence = {}, options?: { cause?: unknown }) {
    super(code, message, options);
    this.evidence = evidence;
  }
}
