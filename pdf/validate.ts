import { checkByteRange, revisionEndOf, signedRanges } from './byte-range.js';
import { DOCUMENT_TIMESTAMP, verifyCmsSignature } from './cms-verify.js';
import { PdfDocument } from './document.js';
import { PdfError } from './errors.js';
import { resolveLimits, type PdfLimits } from './limits.js';
import { dictOf, isArray, isName } from './objects.js';
import { findChangesAfterSigning } from './revision-diff.js';
import { findNonIncrementalRevision } from './revisions.js';
import { findSignatures, type PdfSignature } from './signatures.js';
import type { CryptoPolicy } from './signature-algorithms.js';
import {
  formatFailure,
  indicationOf,
  type PdfSignatureReport,
  type SignatureCheck,
  type SignatureFinding,
  type SignaturePolicy,
} from './validation-report.js';

/**
 * Sub-filters the default policy accepts: CAdES (PAdES) and the legacy PKCS#7
 * detached profile for signatures, and RFC 3161 tokens for document timestamps.
 */
const ACCEPTED_SUB_FILTERS = new Set(['ETSI.CAdES.detached', 'adbe.pkcs7.detached', DOCUMENT_TIMESTAMP]);
/**
 * Default for the most signatures checked in one file. Each one loads its
 * signed revision again, so this bounds the work to that many parses of the file.
 */
const DEFAULT_MAX_SIGNATURES = 64;

interface ResolvedPolicy extends CryptoPolicy {
  requireBaselineB: boolean;
  limits: PdfLimits;
  maxSignatures: number;
}

/**
 * Validates every signature of a PDF (the verifier's signature check) and
 * folds them into one outcome. The file is FAILED when any signature failed,
 * with the first failure's sub-indication. Otherwise it is INDETERMINATE when
 * any signature is, and a crypto constraint wins over a signature constraint.
 * Otherwise it is PASSED. A file without signatures is FAILED/FORMAT_FAILURE.
 *
 * `pdf` is attacker-controlled. Every error it raises is caught and becomes
 * FORMAT_FAILURE, so this throws only a RangeError for an invalid `policy`.
 * The policy's `limits` and `maxSignatures` bound time and memory.
 */
export function validatePdfSignatures(pdf: Uint8Array, policy: SignaturePolicy = {}): PdfSignatureReport {
  const resolved = resolvePolicy(policy);
  try {
    return validateFile(pdf, resolved);
  } catch (error) {
    return fileFailure(`file could not be checked: ${messageOf(error)}`);
  }
}

function resolvePolicy(policy: SignaturePolicy): ResolvedPolicy {
  const minRsaBits = policy.minRsaBits ?? 2048;
  if (!Number.isSafeInteger(minRsaBits) || minRsaBits < 0) {
    throw new RangeError(`policy minRsaBits ${minRsaBits} is invalid, want a non-negative integer`);
  }
  const maxSignatures = policy.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  if (!Number.isSafeInteger(maxSignatures) || maxSignatures < 1) {
    throw new RangeError(`policy maxSignatures ${maxSignatures} is invalid, want a positive integer`);
  }
  const limits = resolveLimits(policy.limits);
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`policy limit ${name} ${value} is invalid, want a positive integer`);
  }
  return { minRsaBits, allowSha1: policy.allowSha1 ?? false, requireBaselineB: policy.requireBaselineB ?? false, limits, maxSignatures };
}

function validateFile(pdf: Uint8Array, policy: ResolvedPolicy): PdfSignatureReport {
  let found: ReturnType<typeof findSignatures>;
  try {
    found = findSignatures(pdf, { limits: policy.limits });
  } catch (error) {
    return fileFailure(`file does not parse as a signed PDF: ${messageOf(error)}`);
  }
  const { signatures, document } = found;
  if (signatures.length === 0) return fileFailure('file has no signature');
  if (signatures.length > policy.maxSignatures) {
    return fileFailure(`file has ${signatures.length} signatures, more than the maximum ${policy.maxSignatures}`);
  }

  const revisions = new RevisionCache(pdf, document, new Set(signatures.map((signature) => signature.objectNumber)));
  const checks = signatures.map((signature) => checkSignatureSafely(signature, pdf, revisions, policy));
  const coversWholeFile = checks.some((check, i) => check.revisionEnd === pdf.length && checkByteRange(signatures[i], pdf.length, document.revisions) === undefined);
  return { ...summarize(checks), signatures: checks, coversWholeFile };
}

/** Loads each signed revision (a prefix of the file) once, as a complete PDF of its own. */
class RevisionCache {
  private readonly loaded = new Map<number, PdfDocument | PdfError>();

  constructor(
    private readonly pdf: Uint8Array,
    readonly final: PdfDocument,
    /** Objects holding the signature dictionaries this validation checks, which may sign fields added later. */
    readonly checkedSignatures: ReadonlySet<number>,
  ) {}

  load(end: number): PdfDocument | PdfError {
    if (end === this.pdf.length) return this.final;
    let result = this.loaded.get(end);
    if (result === undefined) {
      try {
        result = PdfDocument.load(this.pdf.subarray(0, end), { limits: this.final.limits });
      } catch (error) {
        result = error instanceof PdfError ? error : new PdfError('format_failure', messageOf(error), { cause: error });
      }
      this.loaded.set(end, result);
    }
    return result;
  }
}

function checkSignatureSafely(signature: PdfSignature, pdf: Uint8Array, revisions: RevisionCache, policy: ResolvedPolicy): SignatureCheck {
  try {
    return checkSignature(signature, pdf, revisions, policy);
  } catch (error) {
    // Not expected: every step returns findings. A bug must still not pass a signature.
    const check = baseCheck(signature);
    return decide(check, [formatFailure(`signature could not be checked: ${messageOf(error)}`)], []);
  }
}

/**
 * Checks one signature: ByteRange, then the CMS (structure, digest, value),
 * then what later revisions changed, then the policy's constraints.
 */
function checkSignature(signature: PdfSignature, pdf: Uint8Array, revisions: RevisionCache, policy: ResolvedPolicy): SignatureCheck {
  const check = baseCheck(signature);
  const failures: SignatureFinding[] = [];

  const rangeFailure = checkByteRange(signature, pdf.length, revisions.final.revisions);
  if (rangeFailure) return decide(check, [rangeFailure], []);

  const cms = verifyCmsSignature(signature.contents, signedRanges(pdf, signature.byteRange), signature.subFilter, policy);
  check.certificates = cms.certificates;
  if (cms.signerCertificate) check.signerCertificate = cms.signerCertificate;
  if (cms.digestAlgorithm) check.digestAlgorithm = cms.digestAlgorithm;
  if (cms.signatureAlgorithm) check.signatureAlgorithm = cms.signatureAlgorithm;
  check.baselineB = cms.baselineB;
  if (cms.failure) failures.push(cms.failure);

  const newSignatures = docMdpPermission(signature, revisions.final) !== 1;
  const changes = changesAfterSigning(check.revisionEnd, revisions, newSignatures);
  if (changes) failures.push(changes);

  const constraints: SignatureFinding[] = cms.constraintProblems.map((message) => ({ subIndication: 'CRYPTO_CONSTRAINTS_FAILURE', message }));
  if (signature.subFilter === undefined || !ACCEPTED_SUB_FILTERS.has(signature.subFilter)) {
    constraints.push({ subIndication: 'SIG_CONSTRAINTS_FAILURE', message: `sub-filter ${signature.subFilter ?? '(none)'} is not accepted by the policy` });
  }
  // PAdES-BASELINE-B is a profile of signatures, so a document timestamp is exempt from it.
  if (policy.requireBaselineB && !check.baselineB && signature.subFilter !== DOCUMENT_TIMESTAMP) {
    constraints.push({ subIndication: 'SIG_CONSTRAINTS_FAILURE', message: 'signature is not PAdES-BASELINE-B' });
  }
  return decide(check, failures, constraints);
}

/** Compares the signed revision with the final file; undefined when only allowed additions follow it. */
function changesAfterSigning(end: number, revisions: RevisionCache, newSignatures: boolean): SignatureFinding | undefined {
  const size = revisions.final.bytes.length;
  if (end === size) return undefined;
  // PdfDocument accepts whitespace after the last %%EOF; those bytes belong to no revision and no signature covers them.
  const lastEnd = revisions.final.revisions.at(-1)?.end ?? 0;
  if (lastEnd !== size) return formatFailure(`${size - lastEnd} bytes after the last %%EOF are not covered by any signature`);
  const sectionOffsets = new Set(revisions.final.sections.map((section) => section.offset));
  const stray = findNonIncrementalRevision(revisions.final.revisions, end, sectionOffsets);
  if (stray) {
    return formatFailure(
      `bytes after the signed revision are not an incremental update: startxref ${stray.startxref} at offset ${stray.startxrefOffset} ` +
        `does not point at an xref section written by that update`,
    );
  }
  const signed = revisions.load(end);
  if (signed instanceof PdfError) return formatFailure(`signed revision [0, ${end}) does not load as a PDF: ${signed.message}`);
  const changes = findChangesAfterSigning(signed, revisions.final, { newSignatures, checkedSignatures: revisions.checkedSignatures });
  if (changes.length === 0) return undefined;
  return formatFailure(`file changed after signing: ${changes.join('; ')}`);
}

/**
 * Returns the DocMDP permission (1, 2 or 3) of a certification signature
 * (ISO 32000-2 §12.8.2.2), or undefined for an approval signature.
 */
function docMdpPermission(signature: PdfSignature, document: PdfDocument): number | undefined {
  const holder = dictOf(document.getObject(signature.objectNumber));
  const dict = holder?.entries.has('Contents') ? holder : dictOf(document.resolve(holder?.entries.get('V')));
  const references = document.resolve(dict?.entries.get('Reference'));
  if (!isArray(references)) return undefined;
  for (const item of references.items) {
    const reference = dictOf(document.resolve(item));
    if (!isName(reference?.entries.get('TransformMethod'), 'DocMDP')) continue;
    const permission = dictOf(document.resolve(reference?.entries.get('TransformParams')))?.entries.get('P');
    // /P defaults to 2 (ISO 32000-2 Table 257).
    return typeof permission === 'number' ? permission : 2;
  }
  return undefined;
}

function baseCheck(signature: PdfSignature): SignatureCheck {
  const check: SignatureCheck = {
    byteRange: signature.byteRange,
    revisionEnd: revisionEndOf(signature.byteRange),
    indication: 'FAILED',
    message: '',
    certificates: [],
    baselineB: false,
    problems: [],
  };
  if (signature.fieldName !== undefined) check.fieldName = signature.fieldName;
  if (signature.subFilter !== undefined) check.subFilter = signature.subFilter;
  return check;
}

/** Sets the indication: the first failure decides, else a crypto constraint, else a signature constraint. */
function decide(check: SignatureCheck, failures: SignatureFinding[], constraints: SignatureFinding[]): SignatureCheck {
  const crypto = constraints.filter((finding) => finding.subIndication === 'CRYPTO_CONSTRAINTS_FAILURE');
  const others = constraints.filter((finding) => finding.subIndication !== 'CRYPTO_CONSTRAINTS_FAILURE');
  const ordered = [...failures, ...crypto, ...others];
  check.problems = ordered.map((finding) => finding.message);
  const first = ordered[0];
  if (first === undefined) {
    check.indication = 'PASSED';
    check.message = 'signature is intact and valid, and later revisions only add signatures, timestamps or DSS';
    return check;
  }
  check.indication = indicationOf(first.subIndication);
  check.subIndication = first.subIndication;
  check.message = first.message;
  return check;
}

function summarize(checks: SignatureCheck[]): Pick<PdfSignatureReport, 'indication' | 'subIndication' | 'message'> {
  const label = (check: SignatureCheck, index: number): string => `signature ${index + 1}${check.fieldName ? ` (${check.fieldName})` : ''}`;
  const failedIndex = checks.findIndex((check) => check.indication === 'FAILED');
  if (failedIndex >= 0) {
    const failed = checks[failedIndex];
    return { indication: 'FAILED', subIndication: failed.subIndication, message: `${label(failed, failedIndex)}: ${failed.message}` };
  }
  const cryptoIndex = checks.findIndex((check) => check.subIndication === 'CRYPTO_CONSTRAINTS_FAILURE');
  const undecided = cryptoIndex >= 0 ? cryptoIndex : checks.findIndex((check) => check.indication === 'INDETERMINATE');
  if (undecided >= 0) {
    const check = checks[undecided];
    return { indication: 'INDETERMINATE', subIndication: check.subIndication, message: `${label(check, undecided)}: ${check.message}` };
  }
  const count = checks.length === 1 ? 'the signature is' : `all ${checks.length} signatures are`;
  return { indication: 'PASSED', message: `${count} intact and valid` };
}

function fileFailure(message: string): PdfSignatureReport {
  return { indication: 'FAILED', subIndication: 'FORMAT_FAILURE', message, signatures: [], coversWholeFile: false };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
