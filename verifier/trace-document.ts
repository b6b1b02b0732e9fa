import { openCheckpoint } from '../ledger/checkpoint.js';
import { LedgerError } from '../ledger/errors.js';
import { equalHashes, hashLeaf } from '../ledger/hash.js';
import type { NoteVerifier } from '../ledger/note.js';
import { rootFromLeafHashes } from '../ledger/proof.js';
import { decodeLeaf, type LoggedEnvelope } from '../registry/envelope.js';
import { failed, indeterminate, type CheckReport } from './indications.js';
import type { TlogPolicy } from './tlog-policy.js';
import { checkTraceability, type ProvenEntry, type TracedKind } from './traceability.js';

/** A proven entry with its decoded envelope, when it decodes. */
export interface CandidateEntry extends ProvenEntry {
  envelope?: LoggedEnvelope;
}

/** Decodes the envelope of each proven entry; one that does not decode stays without it. */
export function decodeCandidates(entries: readonly ProvenEntry[]): CandidateEntry[] {
  return entries.map((entry) => {
    try {
      return { ...entry, envelope: decodeLeaf(entry.entry) };
    } catch (error) {
      if (error instanceof LedgerError) return { ...entry };
      throw error;
    }
  });
}

/**
 * Check 6 for a document: among the entries naming it, picks its `document.register` and
 * one exchange's `exchange.send` and `exchange.receive`, preferring the first exchange that
 * was received, and checks them with {@link checkTraceability}. The candidates may come from
 * a receipt file, so checkTraceability checks each proof again.
 */
export function traceDocument(input: {
  documentSha256: string;
  candidates: readonly CandidateEntry[];
  checkpoint: string;
  logKey: NoteVerifier;
  policy: TlogPolicy;
}): CheckReport {
  const { documentSha256, candidates } = input;
  const ofKind = (kind: TracedKind): CandidateEntry[] => candidates.filter((candidate) => candidate.envelope?.kind === kind);
  const register = ofKind('document.register').find((candidate) => bodyOf(candidate).sha256 === documentSha256);
  const sends = ofKind('exchange.send').filter((candidate) => bodyOf(candidate).documentSha256 === documentSha256);
  const receives = ofKind('exchange.receive');
  const receiveOf = (send: CandidateEntry): CandidateEntry | undefined =>
    receives.find((receive) => bodyOf(receive).exchangeId === bodyOf(send).exchangeId && receive.index > send.index);
  const send = sends.find((candidate) => receiveOf(candidate) !== undefined) ?? sends[0];

  if (send === undefined) {
    const traced = checkTraceability({ ...input, exchangeId: '-', entries: register === undefined ? {} : { 'document.register': register } });
    // A wrong checkpoint or a bad proof outranks the missing exchange.
    if (traced.indication === 'FAILED' && traced.subIndication !== 'NOT_LOGGED') return traced;
    const missing = register === undefined ? 'document.register' : 'exchange.send';
    return failed('traceability', 'NOT_LOGGED', `no ${missing} entry names document ${documentSha256}`, {
      documentSha256,
      missing,
    });
  }
  const entries: Partial<Record<TracedKind, ProvenEntry>> = { 'exchange.send': send };
  if (register !== undefined) entries['document.register'] = register;
  const receive = receiveOf(send);
  if (receive !== undefined) entries['exchange.receive'] = receive;
  return checkTraceability({ ...input, exchangeId: String(bodyOf(send).exchangeId), entries });
}

/**
 * Turns a FAILED/NOT_LOGGED traceability report into INDETERMINATE/QUORUM_NOT_MET when the
 * newest checkpoint, which falls short of the witness policy, logs entries naming the document
 * after the checkpoint that meets it. The witnesses may only lag, so absence is not proven.
 * The newest checkpoint must verify with the log key and its entries must hash to its root.
 * Any other report is returned as it is.
 */
export function awaitUnwitnessed(
  report: CheckReport,
  input: { documentSha256: string; witnessedSize: number; unwitnessed: { checkpoint: string; entries: readonly Uint8Array[] }; logKey: NoteVerifier },
): CheckReport {
  if (report.indication !== 'FAILED' || report.subIndication !== 'NOT_LOGGED') return report;
  const { documentSha256, witnessedSize, unwitnessed, logKey } = input;
  let size: number;
  try {
    const { checkpoint } = openCheckpoint(unwitnessed.checkpoint, logKey, logKey.name);
    if (checkpoint.size !== unwitnessed.entries.length || checkpoint.size <= witnessedSize) return report;
    if (!equalHashes(rootFromLeafHashes(unwitnessed.entries.map(hashLeaf)), checkpoint.rootHash)) return report;
    size = checkpoint.size;
  } catch (error) {
    if (error instanceof LedgerError) return report;
    throw error;
  }

  // Only the entries after the witnessed checkpoint: those before it were searched already.
  const candidates = decodeCandidates(
    unwitnessed.entries.slice(witnessedSize).map((entry, offset) => ({ index: witnessedSize + offset, entry, proof: [] })),
  );
  const exchangeIds = new Set<unknown>();
  const naming: number[] = [];
  for (const candidate of candidates) {
    const body = bodyOf(candidate);
    const kind = candidate.envelope?.kind;
    const names =
      (kind === 'document.register' && body.sha256 === documentSha256) ||
      (kind === 'exchange.send' && body.documentSha256 === documentSha256) ||
      (kind === 'exchange.receive' && exchangeIds.has(body.exchangeId));
    if (!names) continue;
    if (kind === 'exchange.send') exchangeIds.add(body.exchangeId);
    naming.push(candidate.index);
  }
  if (naming.length === 0) return report;
  return indeterminate(
    'traceability',
    'QUORUM_NOT_MET',
    `${naming.length} entries naming document ${documentSha256}, from entry ${naming[0]}, are only in checkpoint ${size}, which does not meet the witness policy; the newest checkpoint that meets it has size ${witnessedSize}, so try again once the witnesses cosign`,
    { ...report.evidence, documentSha256, witnessedSize, unwitnessedSize: size, unwitnessedEntries: naming.length, firstUnwitnessedEntry: naming[0]! },
  );
}

function bodyOf(candidate: CandidateEntry): Record<string, unknown> {
  return (candidate.envelope?.body ?? {}) as unknown as Record<string, unknown>;
}
