import { validatePdfSignatures, type PdfSignatureReport, type SignatureCheck, type SignaturePolicy } from '../pdf/index.js';
import { failed, indeterminate, passed, type CheckReport } from './indications.js';

/** SubFilter of a document timestamp (RFC 3161): its signer is a TSA, not the issuing CAB. */
export const DOCUMENT_TIMESTAMP_SUB_FILTER = 'ETSI.RFC3161';

/** The result of check 4 with the per-signature outcomes that check 5 reads. */
export interface SignatureCheckResult {
  report: CheckReport;
  signatures: SignatureCheck[];
}

/**
 * Check 4, signature: every signature of the PDF is intact and cryptographically valid
 * (see pdf/validate.ts). `pdf` is attacker-controlled; the validator turns every parse
 * problem into FAILED/FORMAT_FAILURE.
 */
export function checkSignature(pdf: Uint8Array, options: Pick<SignaturePolicy, 'requireBaselineB' | 'limits' | 'maxSignatures'> = {}): SignatureCheckResult {
  const result = validatePdfSignatures(pdf, { ...options, requireBaselineB: options.requireBaselineB ?? false });
  return { report: toCheckReport(result), signatures: result.signatures };
}

function toCheckReport(result: PdfSignatureReport): CheckReport {
  const evidence = {
    signatures: result.signatures.length,
    coversWholeFile: result.coversWholeFile,
    subFilters: result.signatures.map((signature) => signature.subFilter ?? '?').join(' '),
    baselineB: result.signatures.every((signature) => signature.baselineB),
  };
  if (result.indication === 'PASSED') return passed('signature', result.message, evidence);
  const subIndication = result.subIndication ?? 'FORMAT_FAILURE';
  if (result.indication === 'FAILED') return failed('signature', subIndication, result.message, evidence);
  return indeterminate('signature', subIndication, result.message, evidence);
}
