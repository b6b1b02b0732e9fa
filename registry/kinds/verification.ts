import {
  bodySchema,
  exchangeIdSchema,
  integer,
  oneOfValues,
  record,
  sha256Schema,
  text,
  type JsonSchema,
} from './common.js';

/** The six checks of a document verification, each reported exactly once. */
export const CHECK_IDS = ['cab-authority', 'accreditation', 'scope', 'signature', 'key-registry', 'traceability'] as const;
export type CheckId = (typeof CHECK_IDS)[number];
export const INDICATIONS = ['PASSED', 'FAILED', 'INDETERMINATE'] as const;
export type Indication = (typeof INDICATIONS)[number];
export const RESULTS = ['TOTAL-PASSED', 'TOTAL-FAILED', 'INDETERMINATE'] as const;
export type VerificationResult = (typeof RESULTS)[number];
export const DECISIONS = ['accepted', 'rejected', 'query'] as const;

export interface CheckResult {
  id: CheckId;
  indication: Indication;
  /** ETSI-style sub-indication, e.g. `REVOKED`. */
  subIndication?: string;
  message?: string;
}

export interface VerificationBody {
  exchangeId: string;
  documentSha256: string;
  checks: CheckResult[];
  result: VerificationResult;
  decision: (typeof DECISIONS)[number];
  /** Size of the checkpoint the receiver verified the traceability against. */
  checkpointSize: number;
}

export const verificationRecordSchema: JsonSchema = bodySchema(
  'verification.record',
  "Records the receiver's verification of an exchanged document and its decision.",
  {
    exchangeId: exchangeIdSchema,
    documentSha256: sha256Schema,
    checks: {
      type: 'array',
      minItems: CHECK_IDS.length,
      maxItems: CHECK_IDS.length,
      items: record(
        {
          id: oneOfValues(CHECK_IDS),
          indication: oneOfValues(INDICATIONS),
          subIndication: { type: 'string', pattern: '^[A-Z][A-Z_]{0,63}$' },
          message: text(500),
        },
        ['id', 'indication'],
      ),
    },
    result: oneOfValues(RESULTS),
    decision: oneOfValues(DECISIONS),
    checkpointSize: integer(1),
  },
  ['exchangeId', 'documentSha256', 'checks', 'result', 'decision', 'checkpointSize'],
);

/**
 * Returns the overall result the six indications imply: TOTAL-PASSED when all passed,
 * TOTAL-FAILED when any failed, INDETERMINATE otherwise.
 */
export function overallResult(indications: readonly Indication[]): VerificationResult {
  if (indications.some((indication) => indication === 'FAILED')) return 'TOTAL-FAILED';
  if (indications.every((indication) => indication === 'PASSED')) return 'TOTAL-PASSED';
  return 'INDETERMINATE';
}
