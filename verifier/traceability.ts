import { openCheckpoint, type Checkpoint } from '../ledger/checkpoint.js';
import { LedgerError, NoteError } from '../ledger/errors.js';
import { hashLeaf } from '../ledger/hash.js';
import { noteVerifier, type NoteVerifier } from '../ledger/note.js';
import { verifyInclusion } from '../ledger/proof.js';
import { decodeLeaf, type LoggedEnvelope } from '../registry/envelope.js';
import { failed, indeterminate, passed, type CheckEvidence, type CheckReport } from './indications.js';
import { evaluateTlogPolicy, policyTrustsLog, type PolicyEvaluation, type TlogPolicy } from './tlog-policy.js';

/** The entries check 6 needs, each logged and proven. */
export const TRACED_KINDS = ['document.register', 'exchange.send', 'exchange.receive'] as const;
export type TracedKind = (typeof TRACED_KINDS)[number];

/** One logged entry with its inclusion proof to the checkpoint under test. */
export interface ProvenEntry {
  index: number;
  /** The leaf bytes: the entry as logged. */
  entry: Uint8Array;
  proof: readonly Uint8Array[];
}

export interface TraceabilityInput {
  documentSha256: string;
  exchangeId: string;
  /** The signed checkpoint note, with the cosignatures collected for it. */
  checkpoint: string;
  /** The log's verifier key, from the caller, never from the log's server. */
  logKey: string | NoteVerifier;
  /** The expected checkpoint origin; defaults to the log key's name. */
  origin?: string;
  policy: TlogPolicy;
  /** The entries found for the exchange; a missing one fails the check. */
  entries: Partial<Record<TracedKind, ProvenEntry>>;
}

/**
 * Check 6, traceability: the document's `document.register`, the exchange's
 * `exchange.send` and its `exchange.receive` are each included in one checkpoint signed
 * by the log key, and that checkpoint carries the cosignatures the witness policy needs.
 * The input is attacker-controlled (it may come from a receipt file), so every proof and
 * entry is checked here.
 */
export function checkTraceability(input: TraceabilityInput): CheckReport {
  const opened = openLogCheckpoint(input);
  if ('report' in opened) return opened.report;
  const { checkpoint } = opened;
  const evidence: Record<string, string | number | boolean | null> = {
    origin: checkpoint.origin,
    checkpointSize: checkpoint.size,
    documentSha256: input.documentSha256,
    exchangeId: input.exchangeId,
  };

  for (const kind of TRACED_KINDS) {
    const proven = input.entries[kind];
    if (proven === undefined) {
      return failed('traceability', 'NOT_LOGGED', `no ${kind} entry is given for exchange ${input.exchangeId}`, {
        ...evidence,
        missing: kind,
      });
    }
    const problem = checkProvenEntry(kind, proven, input, checkpoint);
    if (problem !== undefined) return problem;
    evidence[`${kind}.index`] = proven.index;
  }

  let evaluation: PolicyEvaluation;
  try {
    evaluation = evaluateTlogPolicy(input.checkpoint, input.policy);
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    return failed('traceability', 'PROOF_INVALID', `checkpoint ${checkpoint.size} carries a witness cosignature that does not verify: ${error.message}`, {
      ...evidence,
      code: error.code,
    });
  }
  evidence.cosigners = evaluation.cosigners.join(' ');
  evidence.witnessQuorum = evaluation.requirement;
  if (!evaluation.satisfied) {
    return indeterminate(
      'traceability',
      'QUORUM_NOT_MET',
      `checkpoint ${checkpoint.size} is cosigned by ${describeCosigners(evaluation.cosigners)}, the witness policy needs ${evaluation.requirement}`,
      evidence,
    );
  }
  return passed(
    'traceability',
    `${TRACED_KINDS.join(', ')} are included in checkpoint ${checkpoint.size}, cosigned by ${describeCosigners(evaluation.cosigners)} as the policy needs (${evaluation.requirement})`,
    evidence,
  );
}

function describeCosigners(cosigners: readonly string[]): string {
  return cosigners.length === 0 ? 'no witness' : cosigners.join(', ');
}

function openLogCheckpoint(input: TraceabilityInput): { checkpoint: Checkpoint } | { report: CheckReport } {
  let verifier: NoteVerifier;
  try {
    verifier = typeof input.logKey === 'string' ? noteVerifier(input.logKey) : input.logKey;
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    return { report: failed('traceability', 'UNKNOWN_LOG', `the log key is not a valid vkey: ${error.message}`, { code: error.code }) };
  }
  if (!policyTrustsLog(input.policy, verifier)) {
    return {
      report: failed('traceability', 'UNKNOWN_LOG', `the witness policy does not list the log key ${verifier.name}`, {
        logKey: verifier.name,
      }),
    };
  }
  try {
    const { checkpoint } = openCheckpoint(input.checkpoint, verifier, input.origin ?? verifier.name);
    return { checkpoint };
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    // A note that parses but is not signed by this log's key is another log's checkpoint.
    const unknownLog = ['no_verified_signature', 'origin_mismatch'].includes(error.code);
    const subIndication = unknownLog ? 'UNKNOWN_LOG' : 'PROOF_INVALID';
    return {
      report: failed('traceability', subIndication, `checkpoint does not verify: ${error.message}`, {
        code: error.code,
        logKey: verifier.name,
      }),
    };
  }
}

/** Returns the failure of one entry, or undefined when it is the right entry and proven. */
function checkProvenEntry(
  kind: TracedKind,
  proven: ProvenEntry,
  input: TraceabilityInput,
  checkpoint: Checkpoint,
): CheckReport | undefined {
  const evidence: CheckEvidence = { kind, index: proven.index, checkpointSize: checkpoint.size };
  let envelope: LoggedEnvelope;
  try {
    envelope = decodeLeaf(proven.entry);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    return failed('traceability', 'PROOF_INVALID', `the ${kind} entry at ${proven.index} is not a valid leaf: ${error.message}`, {
      ...evidence,
      code: error.code,
    });
  }
  const mismatch = describeMismatch(kind, envelope, input);
  if (mismatch !== undefined) {
    return failed('traceability', 'NOT_LOGGED', `entry ${proven.index} is not the ${kind} of exchange ${input.exchangeId}: ${mismatch}`, {
      ...evidence,
      entryKind: envelope.kind,
    });
  }
  try {
    verifyInclusion(proven.index, checkpoint.size, hashLeaf(proven.entry), proven.proof, checkpoint.rootHash);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    return failed(
      'traceability',
      'PROOF_INVALID',
      `inclusion proof of the ${kind} entry ${proven.index} in checkpoint ${checkpoint.size} fails: ${error.message}`,
      { ...evidence, code: error.code },
    );
  }
  return undefined;
}

function describeMismatch(kind: TracedKind, envelope: LoggedEnvelope, input: TraceabilityInput): string | undefined {
  if (envelope.kind !== kind) return `its kind is ${envelope.kind}`;
  const body = envelope.body as unknown as Record<string, unknown>;
  if (kind === 'document.register') {
    return body.sha256 === input.documentSha256 ? undefined : `it registers document ${String(body.sha256)}`;
  }
  if (body.exchangeId !== input.exchangeId) return `it names exchange ${String(body.exchangeId)}`;
  if (kind === 'exchange.send' && body.documentSha256 !== input.documentSha256) {
    return `it sends document ${String(body.documentSha256)}`;
  }
  return undefined;
}
