import { LedgerError } from '../ledger/errors.js';
import type { NoteVerifier } from '../ledger/note.js';
import { decodeLeaf, type LoggedEnvelope } from '../registry/envelope.js';
import { failed, type CheckReport } from './indications.js';
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

function bodyOf(candidate: CandidateEntry): Record<string, unknown> {
  return (candidate.envelope?.body ?? {}) as unknown as Record<string, unknown>;
}
