/**
 * `ecert verify --hub` when the witnesses lag: the newest checkpoint falls short of the
 * witness policy, so the verifier falls back to an older cosigned one. A document logged
 * only after that checkpoint is not proven absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HubClient } from '../../cli/hub-client.js';
import { hubFetcher } from '../../cli/commands/verify.js';
import { addSignatures, noteSigner, noteVerifier, parseNote, signNote, verifierKeyOf } from '../../ledger/note.js';
import { fetchLog, type LogFetcher } from '../../verifier/log-fetch.js';
import { parseTlogPolicy, type TlogPolicy } from '../../verifier/tlog-policy.js';
import { verifyDocument, type DocumentVerificationReport } from '../../verifier/verify.js';
import { ownCertificate, Scenario, type LoggedDocument } from './scenario.js';

const CAB = 'UZ-UZAC-0001';

let scenario: Scenario;
let policy: TlogPolicy;
/** The checkpoint taken before the late documents, cosigned by witness:KG. */
let witnessedNote: string;
const docs: Record<string, LoggedDocument> = {};

/** Wraps the hub so that `/v1/checkpoints/witnessed` serves `witnessedNote`, as a lagging witness leaves it. */
function laggingFetcher(): LogFetcher {
  const hub = hubFetcher(new HubClient(scenario.url));
  return {
    text: async (path) => (path === '/v1/checkpoints/witnessed' ? witnessedNote : hub.text(path)),
    bytes: (path) => hub.bytes(path),
  };
}

beforeAll(async () => {
  scenario = await Scenario.start();
  await scenario.registerAuthorities();
  await scenario.registerCab(CAB);
  const signer = await ownCertificate(scenario, CAB);
  await scenario.registerCabKey(CAB, signer);
  docs.early = await scenario.document({ cabCode: CAB, signer });

  const note = await hubFetcher(new HubClient(scenario.url)).text('/checkpoint');
  const witness = scenario.key('witness:KG');
  const cosigned = signNote(parseNote(note).text, [noteSigner(witness)]);
  witnessedNote = addSignatures(note, cosigned.slice(cosigned.lastIndexOf('\n\n') + 2));
  policy = parseTlogPolicy(`witness KG ${verifierKeyOf(witness)}\nquorum KG\n`);

  docs.late = await scenario.document({ cabCode: CAB, signer });
  docs.lateUnexchanged = await scenario.document({ cabCode: CAB, signer, exchange: false });
  docs.never = await scenario.document({ cabCode: CAB, signer, register: false });
}, 120_000);

afterAll(async () => {
  await scenario?.stop();
});

async function verifyLagging(document: LoggedDocument): Promise<DocumentVerificationReport> {
  const log = await fetchLog(laggingFetcher(), noteVerifier(scenario.hub.vkey), policy);
  return verifyDocument({ pdf: document.pdf, logKey: scenario.hub.vkey, policy, evidence: { kind: 'log', ...log } });
}

function traceability(report: DocumentVerificationReport): string {
  const check = report.checks.find((candidate) => candidate.id === 'traceability');
  if (check === undefined) throw new Error('report has no traceability check');
  return check.subIndication === undefined ? check.indication : `${check.indication}/${check.subIndication}`;
}

describe('verifyDocument with lagging witnesses', () => {
  it('fetchLog falls back to the witnessed checkpoint', async () => {
    const log = await fetchLog(laggingFetcher(), noteVerifier(scenario.hub.vkey), policy);
    expect(log.checkpoint).toBe(witnessedNote);
    expect(log.unwitnessed).toBeDefined();
    expect(log.unwitnessed!.entries.length).toBeGreaterThan(log.entries.length);
  });

  it('document in the witnessed checkpoint passes', async () => {
    const report = await verifyLagging(docs.early!);
    expect(traceability(report)).toBe('PASSED');
    expect(report.result).toBe('TOTAL-PASSED');
  });

  it('document only in the newest checkpoint is QUORUM_NOT_MET', async () => {
    const report = await verifyLagging(docs.late!);
    expect(traceability(report)).toBe('INDETERMINATE/QUORUM_NOT_MET');
    expect(report.result).toBe('INDETERMINATE');
    const check = report.checks.find((candidate) => candidate.id === 'traceability')!;
    expect(check.evidence.witnessedSize).toBe(Number(parseNote(witnessedNote).text.split('\n')[1]));
    expect(check.evidence.unwitnessedEntries).toBe(3);
  });

  it('late document without exchange is QUORUM_NOT_MET', async () => {
    const report = await verifyLagging(docs.lateUnexchanged!);
    expect(traceability(report)).toBe('INDETERMINATE/QUORUM_NOT_MET');
    expect(report.checks.find((candidate) => candidate.id === 'traceability')!.evidence.unwitnessedEntries).toBe(1);
  });

  it('document never logged stays NOT_LOGGED', async () => {
    const report = await verifyLagging(docs.never!);
    expect(traceability(report)).toBe('FAILED/NOT_LOGGED');
    expect(report.result).toBe('TOTAL-FAILED');
  });
});
