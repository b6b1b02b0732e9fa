import { LedgerError } from '../ledger/errors.js';

/** A value of evidence attached to an error: what arrived, what was expected, where. */
export type Evidence = Readonly<Record<string, string | number | boolean | null>>;

/**
 * A record the registry rejects: malformed JSON, an envelope or body that breaks its
 * schema, or an entry that breaks a rule of the hub against the current state.
 * Callers switch on `code` (stable snake_case); `evidence` carries the values involved,
 * so a monitor can report them without parsing the message.
 */
export class RuleError extends LedgerError {
  readonly evidence: Evidence;

  constructor(code: string, message: string, evidence: Evidence = {}, options?: { cause?: unknown }) {
    super(code, message, options);
    this.evidence = evidence;
  }
}
