import { decodeBase64Strict } from '../../ledger/note.js';
import type { DocumentRecord } from '../../registry/records.js';
import type { RegistryState } from '../../registry/state.js';
import { buildReport, toRecordedCheck, type VerificationReport } from '../../verifier/indications.js';
import { checkKeyRegistry } from '../../verifier/key-registry.js';
import { checkAccreditation, checkCabAuthority, checkScope } from '../../verifier/registry-checks.js';
import { checkSignature } from '../../verifier/signature-check.js';
import { checkTraceability, type ProvenEntry, type TracedKind } from '../../verifier/traceability.js';
import { policyFromState } from '../../verifier/witness-policy.js';
import { CliError } from '../errors.js';
import { mapConcurrent } from './concurrency.js';
import { SUBMIT_CONCURRENCY, type PilotContext } from './context.js';
import type { PilotExchange } from './document-exchange.js';
import {
  describeCheck,
  describeExpected,
  expectedChecks,
  expectedResults,
  matchesOutcome,
  type SampleKeys,
} from './expectations.js';
import { increment } from './outcomes.js';
import type { WitnessedCheckpoint } from './witnessed-checkpoint.js';

/** The outcome of one document's verification, as the summary lists it. */
export interface VerifiedDocument {
  label: string;
  exchangeId: string;
  result: string;
  decision: 'accepted' | 'rejected' | 'query';
  /** Each check as `id=INDICATION[/SUB_INDICATION]`, in the standard order. */
  checks: string[];
  /** Size of the checkpoint check 6 used, as logged in `verification.record`. */
  checkpointSize: number;
}

/** Counts of the run's verifications by result, by check outcome and by logged decision. */
export interface VerificationTally {
  byResult: Map<string, number>;
  /** Keyed `id=INDICATION[/SUB_INDICATION]`. */
  byCheck: Map<string, number>;
  byDecision: Map<string, number>;
  documents: VerifiedDocument[];
  /** Verifications whose check 6 passed against a checkpoint that meets a witness quorum. */
  witnessed: number;
}

/** Returns an empty tally, for a run that stopped before verifying. */
export function emptyTally(): VerificationTally {
  return { byResult: new Map(), byCheck: new Map(), byDecision: new Map(), documents: [], witnessed: 0 };
}

/**
 * Verifies every received exchange as its receiver would and logs the outcome with
 * `verification.record`. Checks 1 to 3 and 5 read the registry replayed from the log as
 * of the document's index. Check 4 validates the signatures of the PDF the receiver got.
 * Check 6 checks inclusion proofs of the three traced entries to `witnessed`, a
 * checkpoint that meets the witness quorum, or without one to the newest checkpoint.
 * Each result is compared with the scenario's expectation. The decision is `rejected`
 * for TOTAL-FAILED, `query` where the scenario raises one, and `accepted` otherwise.
 */
export async function recordVerifications(
  context: PilotContext,
  exchanges: readonly PilotExchange[],
  sampleKeys: SampleKeys,
  witnessed?: WitnessedCheckpoint,
): Promise<VerificationTally> {
  const { mirror, session, outcomes } = context;
  const latest = await mirror.refresh();
  const checkpoint = witnessed?.checkpoint ?? latest;
  const note = witnessed?.note ?? mirror.checkpoint.note;
  const state = mirror.registry.state;
  const tally = emptyTally();

  await mapConcurrent(
    exchanges.filter((exchange) => exchange.received),
    SUBMIT_CONCURRENCY,
    async (exchange) => {
      const { plan } = exchange.document;
      const document = state.documentBySha256(exchange.document.sha256);
      if (document === undefined) {
        outcomes.failure(`verify ${exchange.exchangeId}`, `document ${exchange.document.sha256} is not in the replayed log`);
        return;
      }
      const entries = await provenEntries(context, state, exchange, checkpoint.size);
      const report = verify(context, state, document, exchange, entries, note, checkpoint.size);
      const step = `verify ${plan.label} (${exchange.exchangeId})`;
      const expected = expectedChecks(plan, sampleKeys);
      const results = expectedResults(expected);
      outcomes.compareMatch(`${step}: result`, results.join(' or '), report.result, results.includes(report.result));
      const checksMatch = expected.every((check, i) => matchesOutcome(check.outcomes, report.checks[i]!));
      const actual = report.checks.map(describeCheck);
      outcomes.compareMatch(`${step}: checks`, describeExpected(expected), actual.join(', '), checksMatch, checkMessages(report));
      increment(tally.byResult, report.result);
      for (const check of actual) increment(tally.byCheck, check);
      const traceability = report.checks.find((check) => check.id === 'traceability');
      if (witnessed !== undefined && traceability?.indication === 'PASSED') tally.witnessed++;

      let decision: VerifiedDocument['decision'] = 'accepted';
      if (plan.query) decision = 'query';
      if (report.result === 'TOTAL-FAILED') decision = 'rejected';
      tally.documents.push({
        label: plan.label,
        exchangeId: exchange.exchangeId,
        result: report.result,
        decision,
        checks: actual,
        checkpointSize: checkpoint.size,
      });
      const receipt = await session.submit(
        `record the verification of ${exchange.exchangeId}`,
        'verification.record',
        {
          exchangeId: exchange.exchangeId,
          documentSha256: exchange.document.sha256,
          checks: report.checks.map(toRecordedCheck),
          result: report.result,
          decision,
          checkpointSize: checkpoint.size,
        },
        `authority:${exchange.to}`,
      );
      if (receipt !== undefined) increment(tally.byDecision, decision);
    },
  );
  tally.documents.sort((a, b) => a.exchangeId.localeCompare(b.exchangeId));
  return tally;
}

function verify(
  context: PilotContext,
  state: RegistryState,
  document: DocumentRecord,
  exchange: PilotExchange,
  entries: Partial<Record<TracedKind, ProvenEntry>>,
  note: string,
  size: number,
): VerificationReport {
  // The receiver checks the bytes the sender registered: the pilot keeps them, since the
  // hub does not carry the PDF itself yet (its transfer is a later issue).
  const signature = checkSignature(exchange.document.pdf);
  return buildReport([
    checkCabAuthority(state, document),
    checkAccreditation(state, document),
    checkScope(state, document),
    signature.report,
    checkKeyRegistry(state, document, signature.signatures),
    checkTraceability({
      documentSha256: exchange.document.sha256,
      exchangeId: exchange.exchangeId,
      checkpoint: note,
      logKey: context.mirror.logKey,
      policy: policyFromState(state, size - 1),
      entries,
    }),
  ]);
}

/** Finds the traced entries of an exchange in the replayed log and fetches their inclusion proofs. */
async function provenEntries(
  context: PilotContext,
  state: RegistryState,
  exchange: PilotExchange,
  size: number,
): Promise<Partial<Record<TracedKind, ProvenEntry>>> {
  const record = state.exchange(exchange.exchangeId);
  const indexes: Partial<Record<TracedKind, number>> = {
    'document.register': state.documentBySha256(exchange.document.sha256)?.index,
    'exchange.send': record?.index,
    'exchange.receive': record?.steps.find((step) => step.kind === 'exchange.receive')?.index,
  };
  const entries: Partial<Record<TracedKind, ProvenEntry>> = {};
  for (const [kind, index] of Object.entries(indexes) as [TracedKind, number | undefined][]) {
    if (index === undefined) continue;
    const answer = await context.session.client.getJson<{ proof: string[] }>(`/v1/proofs/inclusion?index=${index}&size=${size}`);
    entries[kind] = { index, entry: context.mirror.entry(index), proof: decodeProof(answer.proof) };
  }
  return entries;
}

export function decodeProof(proof: readonly string[]): Uint8Array[] {
  return proof.map((hash) => {
    const bytes = decodeBase64Strict(hash);
    if (bytes === undefined) throw new CliError(`the hub sent a proof hash that is not base64: ${hash.slice(0, 60)}`);
    return bytes;
  });
}

function checkMessages(report: VerificationReport): string {
  return report.checks
    .filter((check) => check.indication !== 'PASSED')
    .map((check) => `${check.id}: ${check.message}`)
    .join('; ');
}
