import { openCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import { LedgerError, NoteError } from '../ledger/errors.js';
import { sha256 } from '../ledger/hash.js';
import { noteVerifier, type NoteVerifier, type VerifierKey } from '../ledger/note.js';
import { toHex } from '../registry/encoding.js';
import { formatUtcTime } from '../registry/formats.js';
import type { CheckId } from '../registry/kinds/verification.js';
import type { PdfLimits, SignatureCheck } from '../pdf/index.js';
import { VerificationError } from './errors.js';
import { buildReport, failed, indeterminate, tryLater, type CheckReport, type VerificationReport } from './indications.js';
import { checkKeyRegistry } from './key-registry.js';
import { logViewFromEntries, type LogView } from './log-view.js';
import { openReceipt, type Receipt } from './receipt.js';
import { checkAccreditation, checkCabAuthority, checkScope } from './registry-checks.js';
import { checkSignature } from './signature-check.js';
import type { TlogPolicy } from './tlog-policy.js';
import { awaitUnwitnessed, decodeCandidates, traceDocument } from './trace-document.js';
import { policyFromState } from './witness-policy.js';

/** The evidence the verifier has besides the PDF. */
export type VerificationEvidence =
  /** Nothing: only the signature check is decided. `reason` says why, such as an unreachable hub. */
  | { kind: 'none'; reason?: string }
  /** A receipt file; with its `log` every check is decided, without it checks 1, 2, 3 and 5 wait. */
  | { kind: 'receipt'; receipt: Receipt }
  /**
   * A checkpoint note and every entry up to it, as read from a hub's entry bundles. `unwitnessed`
   * is a newer checkpoint that falls short of the witness policy, with its entries (see fetchLog).
   */
  | { kind: 'log'; checkpoint: string; entries: readonly Uint8Array[]; unwitnessed?: Unwitnessed }
  /** A log view the caller trusts to match its checkpoint, such as the hub's own store. */
  | { kind: 'view'; view: LogView };

/** A checkpoint newer than the one verified, short of the witness policy, with every entry up to it. */
export type Unwitnessed = { readonly checkpoint: string; readonly entries: readonly Uint8Array[] };

export interface VerifyDocumentOptions {
  pdf: Uint8Array;
  /** The log's verifier key, from the caller, never from the log's server. Required unless `evidence.kind` is `none`. */
  logKey?: string | VerifierKey;
  /** The witness policy; defaults to the log's witness set as of the checkpoint when the evidence carries the log. */
  policy?: TlogPolicy;
  requireBaselineB?: boolean;
  /** Parser limits for the PDF; a server sets stricter ones than the CLI's defaults. */
  pdfLimits?: Partial<PdfLimits>;
  /** Maximum number of signatures checked in the PDF. Default 64. */
  maxSignatures?: number;
  evidence: VerificationEvidence;
}

/** The report of `ecert verify` and `POST /v1/verify`. */
export interface DocumentVerificationReport extends VerificationReport {
  document: { sha256: string; index?: number; loggedAt?: string };
  checkpoint?: { origin: string; size: number };
}

const REGISTRY_CHECKS: readonly CheckId[] = ['cab-authority', 'accreditation', 'scope', 'key-registry'];

/**
 * Runs the six checks on a PDF with the evidence at hand. The PDF and the evidence are
 * attacker-controlled; every problem with them becomes an indication in the report.
 * @throws RangeError or VerificationError only for a caller mistake, such as a log key
 *   missing when the evidence needs one.
 */
export async function verifyDocument(options: VerifyDocumentOptions): Promise<DocumentVerificationReport> {
  const documentSha256 = toHex(sha256(options.pdf));
  const signature = checkSignature(options.pdf, {
    requireBaselineB: options.requireBaselineB,
    limits: options.pdfLimits,
    maxSignatures: options.maxSignatures,
  });
  const context: Context = { documentSha256, signature: signature.report, signatures: signature.signatures, options };
  const { evidence } = options;
  if (evidence.kind === 'none') {
    const reason = evidence.reason ?? 'no hub, receipt or log is given';
    return finish(context, {}, waiting(reason, ['traceability', ...REGISTRY_CHECKS]));
  }
  const logKey = verifierOf(options.logKey);
  if (evidence.kind === 'view') return decideWithView(context, evidence.view, logKey);

  const note = evidence.kind === 'log' ? evidence.checkpoint : evidence.receipt.proofs[0]?.checkpoint ?? '';
  const opened = openLogCheckpoint(note, logKey);
  if ('report' in opened) return finish(context, {}, [opened.report, ...waitingForLog()]);
  const checkpointSummary = { origin: opened.checkpoint.origin, size: opened.checkpoint.size };

  if (evidence.kind === 'log') return decideWithEntries(context, note, opened.checkpoint, evidence.entries, logKey, evidence.unwitnessed);
  return decideWithReceipt(context, evidence.receipt, logKey, checkpointSummary);
}

interface Context {
  documentSha256: string;
  signature: CheckReport;
  signatures: SignatureCheck[];
  options: VerifyDocumentOptions;
}

function verifierOf(logKey: string | VerifierKey | undefined): NoteVerifier {
  if (logKey === undefined) throw new VerificationError('missing_log_key', 'a log key is needed to check a receipt or a log', {});
  return noteVerifier(logKey);
}

function finish(
  context: Context,
  extra: { document?: { index: number; loggedAt: number }; checkpoint?: { origin: string; size: number } },
  checks: readonly CheckReport[],
): DocumentVerificationReport {
  const report = buildReport([context.signature, ...checks]);
  const document: DocumentVerificationReport['document'] = { sha256: context.documentSha256 };
  if (extra.document !== undefined) {
    document.index = extra.document.index;
    document.loggedAt = formatUtcTime(extra.document.loggedAt);
  }
  return extra.checkpoint === undefined ? { ...report, document } : { ...report, document, checkpoint: extra.checkpoint };
}

function waiting(reason: string, ids: readonly CheckId[]): CheckReport[] {
  return ids.map((id) => tryLater(id, `${reason}, so ${id} is not decided`));
}

function waitingForLog(): CheckReport[] {
  return waiting('the log cannot be trusted', REGISTRY_CHECKS);
}

/** Opens the checkpoint with the caller's log key; another log's checkpoint fails UNKNOWN_LOG. */
function openLogCheckpoint(note: string, logKey: NoteVerifier): { checkpoint: Checkpoint } | { report: CheckReport } {
  try {
    return { checkpoint: openCheckpoint(note, logKey, logKey.name).checkpoint };
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    const unknownLog = ['no_verified_signature', 'origin_mismatch'].includes(error.code);
    return {
      report: failed('traceability', unknownLog ? 'UNKNOWN_LOG' : 'PROOF_INVALID', `the checkpoint does not verify with log key ${logKey.name}: ${error.message}`, {
        code: error.code,
        logKey: logKey.name,
      }),
    };
  }
}

async function decideWithEntries(
  context: Context,
  note: string,
  checkpoint: Checkpoint,
  entries: readonly Uint8Array[],
  logKey: NoteVerifier,
  unwitnessed?: Unwitnessed,
): Promise<DocumentVerificationReport> {
  let view: LogView;
  try {
    view = logViewFromEntries(note, checkpoint, entries);
  } catch (error) {
    if (!(error instanceof VerificationError)) throw error;
    const report = failed('traceability', 'PROOF_INVALID', error.message, { ...error.evidence, code: error.code });
    return finish(context, { checkpoint: { origin: checkpoint.origin, size: checkpoint.size } }, [report, ...waitingForLog()]);
  }
  return decideWithView(context, view, logKey, unwitnessed);
}

/** Decides every check from a log view: the registry as of the document's index, and check 6 from its entries. */
async function decideWithView(context: Context, view: LogView, logKey: NoteVerifier, unwitnessed?: Unwitnessed): Promise<DocumentVerificationReport> {
  const opened = openLogCheckpoint(view.checkpoint, logKey);
  if ('report' in opened) return finish(context, {}, [opened.report, ...waitingForLog()]);
  const { checkpoint } = opened;
  const summary = { checkpoint: { origin: checkpoint.origin, size: checkpoint.size } };
  const { state } = view;
  const last = checkpoint.size - 1;
  const document = checkpoint.size === 0 ? undefined : state.documentBySha256(context.documentSha256, last);
  // A document logged after the witnessed checkpoint is not proven absent while the witnesses lag.
  const awaitWitnesses = (report: CheckReport): CheckReport =>
    unwitnessed === undefined
      ? report
      : awaitUnwitnessed(report, { documentSha256: context.documentSha256, witnessedSize: checkpoint.size, unwitnessed, logKey });
  if (document === undefined) {
    const report = failed('traceability', 'NOT_LOGGED', `no document.register names document ${context.documentSha256} in checkpoint ${checkpoint.size}`, {
      documentSha256: context.documentSha256,
      checkpointSize: checkpoint.size,
      missing: 'document.register',
    });
    const decided = awaitWitnesses(report);
    const reason = decided === report ? 'the document is not logged' : 'the document is not in a witnessed checkpoint';
    return finish(context, summary, [decided, ...waiting(`${reason}, so its issuer is unknown`, REGISTRY_CHECKS)]);
  }

  const indexes = await view.indexesNaming(context.documentSha256);
  const proven = await Promise.all(
    indexes
      .filter((index) => index < checkpoint.size)
      .map(async (index) => ({ index, entry: await view.entry(index), proof: await view.inclusionProof(index) })),
  );
  const traceability = awaitWitnesses(traceDocument({
    documentSha256: context.documentSha256,
    candidates: decodeCandidates(proven),
    checkpoint: view.checkpoint,
    logKey,
    policy: context.options.policy ?? policyFromState(state, last),
  }));
  return finish(context, { ...summary, document }, [
    checkCabAuthority(state, document),
    checkAccreditation(state, document),
    checkScope(state, document),
    checkKeyRegistry(state, document, context.signatures),
    traceability,
  ]);
}

async function decideWithReceipt(
  context: Context,
  receipt: Receipt,
  logKey: NoteVerifier,
  checkpoint: { origin: string; size: number },
): Promise<DocumentVerificationReport> {
  let opened: ReturnType<typeof openReceipt>;
  try {
    opened = openReceipt(receipt, logKey);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    const report = failed('traceability', 'PROOF_INVALID', `the receipt does not verify: ${error.message}`, { code: error.code });
    return finish(context, { checkpoint }, [report, ...waitingForLog()]);
  }
  if (receipt.log !== undefined) return decideWithEntries(context, opened.note, opened.checkpoint, receipt.log, logKey);

  const candidates = decodeCandidates(opened.entries);
  const register = candidates.find(
    (candidate) => candidate.envelope?.kind === 'document.register' && (candidate.envelope.body as { sha256?: string }).sha256 === context.documentSha256,
  );
  const document = register?.envelope === undefined ? undefined : { index: register.index, loggedAt: register.envelope.loggedAt };
  const traceability =
    context.options.policy === undefined
      ? indeterminate('traceability', 'TRY_LATER', 'no witness policy is given for a receipt without the log', {})
      : traceDocument({
          documentSha256: context.documentSha256,
          candidates,
          checkpoint: opened.note,
          logKey,
          policy: context.options.policy,
        });
  const withoutLog = waiting('the receipt carries no log to replay the registry from', REGISTRY_CHECKS);
  return finish(context, document === undefined ? { checkpoint } : { checkpoint, document }, [...withoutLog, traceability]);
}
