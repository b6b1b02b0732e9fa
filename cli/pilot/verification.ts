import { decodeBase64Strict } from '../../ledger/note.js';
import type { DocumentRecord } from '../../registry/records.js';
import type { RegistryState } from '../../registry/state.js';
import { buildReport, toRecordedCheck, tryLater, type VerificationReport } from '../../verifier/indications.js';
import { checkAccreditation, checkCabAuthority, checkScope } from '../../verifier/registry-checks.js';
import { checkTraceability, type ProvenEntry, type TracedKind } from '../../verifier/traceability.js';
import { policyFromState } from '../../verifier/witness-policy.js';
import { CliError } from '../errors.js';
import { mapConcurrent } from './concurrency.js';
import { SUBMIT_CONCURRENCY, type PilotContext } from './context.js';
import type { PilotExchange } from './document-exchange.js';
import { increment } from './outcomes.js';
import { expectedChecks, expectedResult } from './scenario.js';

/** Counts of the run's verifications by result and by logged decision. */
export interface VerificationTally {
  byResult: Map<string, number>;
  byDecision: Map<string, number>;
}

/**
 * Verifies every received exchange as its receiver would and logs the outcome with
 * `verification.record`. Checks 1 to 3 read the registry replayed from the log as of the
 * document's index. Check 6 checks inclusion proofs of the three traced entries to the
 * newest checkpoint. Checks 4 and 5 wait for the PDF verifier. Each result is compared
 * with the scenario's expectation.
 */
export async function recordVerifications(context: PilotContext, exchanges: readonly PilotExchange[]): Promise<VerificationTally> {
  const { mirror, session, outcomes } = context;
  const checkpoint = await mirror.refresh();
  const note = mirror.checkpoint.note;
  const state = mirror.registry.state;
  const tally: VerificationTally = { byResult: new Map(), byDecision: new Map() };

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
      outcomes.compare(`${step}: result`, expectedResult(plan), report.result);
      outcomes.compare(`${step}: checks`, expectedChecks(plan).join(', '), describeChecks(report), checkMessages(report));
      increment(tally.byResult, report.result);

      let decision: 'accepted' | 'rejected' | 'query' = 'accepted';
      if (plan.query) decision = 'query';
      if (report.result === 'TOTAL-FAILED') decision = 'rejected';
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
  return buildReport([
    checkCabAuthority(state, document),
    checkAccreditation(state, document),
    checkScope(state, document),
    tryLater('signature', 'the PDF signature verifier does not take part in the pilot yet'),
    tryLater('key-registry', 'the signer certificate is known only once the PDF signature is verified'),
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

function describeChecks(report: VerificationReport): string {
  return report.checks
    .map((check) => `${check.id}=${check.indication}${check.subIndication === undefined ? '' : `/${check.subIndication}`}`)
    .join(', ');
}

function checkMessages(report: VerificationReport): string {
  return report.checks
    .filter((check) => check.indication !== 'PASSED')
    .map((check) => `${check.id}: ${check.message}`)
    .join('; ');
}
