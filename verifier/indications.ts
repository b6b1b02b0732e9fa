import type { CheckId, CheckResult, Indication, VerificationResult } from '../registry/kinds/verification.js';
import { CHECK_IDS, overallResult } from '../registry/kinds/verification.js';

/**
 * ETSI TS 119 102-1 style sub-indications of the six checks. A FAILED or INDETERMINATE
 * indication always carries one; PASSED never does.
 */
export const SUB_INDICATIONS = [
  'FORMAT_FAILURE',
  'HASH_FAILURE',
  'SIG_CRYPTO_FAILURE',
  'CRYPTO_CONSTRAINTS_FAILURE',
  'SIG_CONSTRAINTS_FAILURE',
  'REVOKED',
  'NOT_YET_VALID',
  'NO_CERTIFICATE_CHAIN_FOUND',
  'OUT_OF_BOUNDS_NO_POE',
  'NOT_AUTHORISED',
  'NOT_ACCREDITED',
  'OUT_OF_SCOPE',
  'NOT_LOGGED',
  'PROOF_INVALID',
  'UNKNOWN_LOG',
  'QUORUM_NOT_MET',
  'TRY_LATER',
] as const;
export type SubIndication = (typeof SUB_INDICATIONS)[number];

/** Values that back a check's indication, so a report can be audited without parsing its message. */
export type CheckEvidence = Readonly<Record<string, string | number | boolean | null>>;

/** The outcome of one check. */
export interface CheckReport {
  id: CheckId;
  indication: Indication;
  subIndication?: SubIndication;
  message: string;
  evidence: CheckEvidence;
}

/** The six checks of one document and the overall result they imply. */
export interface VerificationReport {
  result: VerificationResult;
  checks: CheckReport[];
}

export function passed(id: CheckId, message: string, evidence: CheckEvidence = {}): CheckReport {
  return { id, indication: 'PASSED', message, evidence };
}

export function failed(id: CheckId, subIndication: SubIndication, message: string, evidence: CheckEvidence = {}): CheckReport {
  return { id, indication: 'FAILED', subIndication, message, evidence };
}

export function indeterminate(
  id: CheckId,
  subIndication: SubIndication,
  message: string,
  evidence: CheckEvidence = {},
): CheckReport {
  return { id, indication: 'INDETERMINATE', subIndication, message, evidence };
}

/** Reports a check whose evidence is not at hand yet: INDETERMINATE with TRY_LATER. */
export function tryLater(id: CheckId, message: string): CheckReport {
  return indeterminate(id, 'TRY_LATER', message);
}

/**
 * Builds the report of the six checks in their standard order.
 * @throws RangeError when a check is missing or given twice.
 */
export function buildReport(checks: readonly CheckReport[]): VerificationReport {
  const ordered = CHECK_IDS.map((id) => {
    const matching = checks.filter((check) => check.id === id);
    if (matching.length !== 1) throw new RangeError(`check ${id} is given ${matching.length} times, want exactly once`);
    return matching[0]!;
  });
  if (checks.length !== CHECK_IDS.length) {
    throw new RangeError(`${checks.length} checks given, want the ${CHECK_IDS.length} of ${CHECK_IDS.join(', ')}`);
  }
  return { result: overallResult(ordered.map((check) => check.indication)), checks: ordered };
}

/** Maximum message length a `verification.record` body accepts. */
const MAX_RECORDED_MESSAGE = 500;

/** Converts a check to the shape a `verification.record` body carries; the evidence stays with the caller. */
export function toRecordedCheck(check: CheckReport): CheckResult {
  const recorded: CheckResult = { id: check.id, indication: check.indication };
  if (check.subIndication !== undefined) recorded.subIndication = check.subIndication;
  const message = check.message.replace(/[\u0000-\u001f\u007f]/g, ' ');
  if (message.length > 0) {
    recorded.message = message.length > MAX_RECORDED_MESSAGE ? `${message.slice(0, MAX_RECORDED_MESSAGE - 3)}...` : message;
  }
  return recorded;
}
