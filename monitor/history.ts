/**
 * The timeline of a document or exchange (`ecert history`): every entry naming it, in log order,
 * each with its index and an inclusion proof verified against one signed checkpoint.
 */
import type { Checkpoint } from '../ledger/checkpoint.js';
import { hashLeaf } from '../ledger/hash.js';
import { encodeBase64 } from '../ledger/note.js';
import { verifyInclusion } from '../ledger/proof.js';
import { decodeLeaf, type LoggedEnvelope } from '../registry/envelope.js';
import { formatUtcTime } from '../registry/formats.js';
import type { Kind } from '../registry/kinds/index.js';
import type { OpenedReceipt } from '../verifier/receipt.js';
import type { PolicyEvaluation } from '../verifier/tlog-policy.js';
import type { ProvenEntry } from '../verifier/traceability.js';
import { ReportError } from './history-errors.js';
import type { VerifiedLog } from './history-log.js';
import { describeStep, summarizeExchanges, type ExchangeSummary } from './history-steps.js';

const SHA256_PATTERN = /^[0-9a-f]{64}$/;
const EXCHANGE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** One logged entry of a timeline. */
export interface TimelineStep {
  index: number;
  kind: Kind;
  /** Integration time, RFC 3339 UTC. */
  loggedAt: string;
  loggedAtMs: number;
  /** The actor that signed the entry, and its key ID. */
  actor: string;
  keyId: string;
  exchangeId?: string;
  /** One-line description of the entry, such as `sent exchange x UZ -> KG through hub`. */
  summary: string;
  /** The RFC 9162 leaf hash and the inclusion proof to the timeline's checkpoint, standard base64. */
  leafHash: string;
  proof: string[];
  /** Always true: a step whose proof fails is never built. */
  proofVerified: true;
  envelope: LoggedEnvelope;
}

export interface Timeline {
  query: string;
  subject: 'document' | 'exchange';
  documentSha256: string;
  checkpoint: { origin: string; size: number; rootHash: string; note: string };
  witnesses: PolicyEvaluation | null;
  /**
   * True when the timeline comes from the whole log, so no entry naming the subject is missing.
   * A receipt without its log proves only that the entries it carries are included.
   */
  complete: boolean;
  /** Whether the signers' signatures were checked, which needs the registry replayed from the log. */
  signaturesChecked: boolean;
  exchanges: ExchangeSummary[];
  steps: TimelineStep[];
}

/** Checks that a query names a document by SHA-256 or an exchange by id. */
export function checkHistoryQuery(query: string): void {
  if (typeof query !== 'string' || (!SHA256_PATTERN.test(query) && !EXCHANGE_ID_PATTERN.test(query))) {
    const shown = String(query).slice(0, 80);
    throw new ReportError('invalid_query', `${JSON.stringify(shown)} is neither a lowercase hex SHA-256 nor an exchange id`, { query: shown });
  }
}

/**
 * Builds the timeline of a document (by its lowercase hex SHA-256) or of one exchange (by its
 * id) from a whole verified log. A document's timeline contains its `document.register` and
 * every entry of every exchange that sends it. An exchange's timeline contains the
 * `document.register` of its document and the exchange's own entries. A 64-hex query is taken
 * as a document first.
 * @throws ReportError `invalid_query` or `not_found`; ProofError if a computed proof fails.
 */
export async function buildTimeline(log: VerifiedLog, query: string): Promise<Timeline> {
  checkHistoryQuery(query);
  const { state } = log.view;
  let subject: Timeline['subject'] = 'document';
  let documentSha256 = query;
  if (!SHA256_PATTERN.test(query) || state.documentBySha256(query) === undefined) {
    const exchange = state.exchange(query);
    if (exchange === undefined) throw notFound(query, log.checkpoint.size);
    subject = 'exchange';
    documentSha256 = exchange.send.documentSha256;
  }
  const indexes = await log.view.indexesNaming(documentSha256);
  const proven: ProvenEntry[] = [];
  for (const index of indexes) {
    const envelope = log.envelopes[index]!;
    if (subject === 'exchange' && envelope.kind !== 'document.register' && exchangeIdOf(envelope) !== query) continue;
    proven.push({ index, entry: log.entries[index]!, proof: await log.view.inclusionProof(index) });
  }
  return assemble({ query, subject, documentSha256, note: log.note, checkpoint: log.checkpoint, witnesses: log.witnesses }, proven, true);
}

/**
 * Builds a timeline from the entries a receipt without its log carries. openReceipt checked
 * their inclusion proofs, but without the log no signature can be checked and entries the
 * receipt leaves out cannot be detected, so the timeline is marked incomplete.
 * @throws ReportError `invalid_query` or `not_found`.
 */
export function timelineFromReceipt(opened: OpenedReceipt, query: string): Timeline {
  checkHistoryQuery(query);
  const decoded = opened.entries.map((entry) => ({ proven: entry, envelope: decodeLeaf(entry.entry) }));
  const sends = decoded.filter(({ envelope }) => envelope.kind === 'exchange.send');
  let subject: Timeline['subject'] = 'document';
  let documentSha256 = query;
  const registered = decoded.some(({ envelope }) => envelope.kind === 'document.register' && documentOf(envelope) === query);
  if (!registered) {
    const send = sends.find(({ envelope }) => exchangeIdOf(envelope) === query);
    if (send === undefined) throw notFound(query, opened.checkpoint.size);
    subject = 'exchange';
    documentSha256 = documentOf(send.envelope)!;
  }
  const exchangeIds = new Set(
    sends.filter(({ envelope }) => documentOf(envelope) === documentSha256).map(({ envelope }) => exchangeIdOf(envelope)!),
  );
  const selected = decoded.filter(({ envelope }) => {
    if (envelope.kind === 'document.register') return documentOf(envelope) === documentSha256;
    const exchangeId = exchangeIdOf(envelope);
    if (exchangeId === undefined || !exchangeIds.has(exchangeId)) return false;
    return subject === 'document' || exchangeId === query;
  });
  selected.sort((a, b) => a.proven.index - b.proven.index);
  const context = { query, subject, documentSha256, note: opened.note, checkpoint: opened.checkpoint, witnesses: null };
  return { ...assemble(context, selected.map(({ proven }) => proven), false), signaturesChecked: false };
}

interface TimelineContext {
  query: string;
  subject: Timeline['subject'];
  documentSha256: string;
  note: string;
  checkpoint: Checkpoint;
  witnesses: PolicyEvaluation | null;
}

/** Verifies each entry's inclusion proof against the checkpoint and describes the steps. */
function assemble(context: TimelineContext, proven: readonly ProvenEntry[], complete: boolean): Timeline {
  const { checkpoint } = context;
  const steps = proven.map((entry): TimelineStep => {
    const leafHash = hashLeaf(entry.entry);
    verifyInclusion(entry.index, checkpoint.size, leafHash, entry.proof, checkpoint.rootHash);
    const envelope = decodeLeaf(entry.entry);
    const step: TimelineStep = {
      index: entry.index,
      kind: envelope.kind,
      loggedAt: formatUtcTime(envelope.loggedAt),
      loggedAtMs: envelope.loggedAt,
      actor: envelope.actor,
      keyId: envelope.keyId,
      summary: describeStep(envelope),
      leafHash: encodeBase64(leafHash),
      proof: entry.proof.map(encodeBase64),
      proofVerified: true,
      envelope,
    };
    const exchangeId = exchangeIdOf(envelope);
    if (exchangeId !== undefined) step.exchangeId = exchangeId;
    return step;
  });
  return {
    query: context.query,
    subject: context.subject,
    documentSha256: context.documentSha256,
    checkpoint: {
      origin: checkpoint.origin,
      size: checkpoint.size,
      rootHash: encodeBase64(checkpoint.rootHash),
      note: context.note,
    },
    witnesses: context.witnesses,
    complete,
    signaturesChecked: complete,
    exchanges: summarizeExchanges(steps),
    steps,
  };
}

function notFound(query: string, size: number): ReportError {
  return new ReportError('not_found', `no document or exchange ${query} in the log of size ${size}`, { query, size });
}

/** Returns the `exchangeId` of an exchange or verification entry, if the entry has one. */
export function exchangeIdOf(envelope: LoggedEnvelope): string | undefined {
  const body = envelope.body as unknown as Record<string, unknown>;
  return typeof body.exchangeId === 'string' ? body.exchangeId : undefined;
}

/** Returns the document hash an entry names in its own body. */
function documentOf(envelope: LoggedEnvelope): string | undefined {
  const body = envelope.body as unknown as Record<string, unknown>;
  if (envelope.kind === 'document.register') return body.sha256 as string;
  return typeof body.documentSha256 === 'string' ? body.documentSha256 : undefined;
}
