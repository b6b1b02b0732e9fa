/**
 * The six checks end to end: a real development hub on 127.0.0.1, PDFs signed with CAB keys,
 * and the verifier reading the log from entry bundles, from receipts, or from nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { addSignatures, generatePrivateKey, noteSigner, noteVerifier, parseNote, signNote, verifierKeyOf } from '../../ledger/note.js';
import { HubClient } from '../../cli/hub-client.js';
import { fetchReceipt } from '../../cli/commands/receipt.js';
import { hubFetcher } from '../../cli/commands/verify.js';
import { createNationalCa, type CertifiedKey } from '../../cli/pilot/pki.js';
import { fetchLog } from '../../verifier/log-fetch.js';
import { formatReceipt, parseReceipt, type Receipt } from '../../verifier/receipt.js';
import { formatReport } from '../../verifier/report-text.js';
import { parseTlogPolicy, type TlogPolicy } from '../../verifier/tlog-policy.js';
import { verifyDocument, type DocumentVerificationReport } from '../../verifier/verify.js';
import {
  caIssuedCertificate,
  nationalCa,
  ownCertificate,
  Scenario,
  validity,
  type LoggedDocument,
} from './scenario.js';

const CAB = 'UZ-UZAC-0001';
const OTHER_CAB = 'UZ-UZAC-0002';
const SUSPENDED_CAB = 'UZ-UZAC-0003';
const HOUR = 60 * 60 * 1000;

let scenario: Scenario;
const docs: Record<string, LoggedDocument> = {};
let goodCertificate: CertifiedKey;

beforeAll(async () => {
  scenario = await Scenario.start();
  await scenario.registerAuthorities();
  for (const code of [CAB, OTHER_CAB, SUSPENDED_CAB]) await scenario.registerCab(code);

  goodCertificate = await ownCertificate(scenario, CAB);
  await scenario.registerCabKey(CAB, goodCertificate);
  docs.good = await scenario.document({ cabCode: CAB, signer: goodCertificate });
  docs.unknown = await scenario.document({ cabCode: CAB, signer: await ownCertificate(scenario, CAB) });

  const revokedBefore = await ownCertificate(scenario, CAB);
  await scenario.registerCabKey(CAB, revokedBefore);
  await scenario.revokeCabKey(revokedBefore);
  docs.revokedBefore = await scenario.document({ cabCode: CAB, signer: revokedBefore });

  const revokedAfter = await ownCertificate(scenario, CAB);
  await scenario.registerCabKey(CAB, revokedAfter);
  docs.revokedAfter = await scenario.document({ cabCode: CAB, signer: revokedAfter });
  await scenario.revokeCabKey(revokedAfter);

  const compromised = await ownCertificate(scenario, CAB);
  await scenario.registerCabKey(CAB, compromised);
  const beforeDocument = scenario.now() - 1000;
  docs.compromised = await scenario.document({ cabCode: CAB, signer: compromised });
  await scenario.revokeCabKey(compromised, beforeDocument);

  const ca = await nationalCa(scenario);
  await scenario.registerCa(ca);
  docs.caIssued = await scenario.document({ cabCode: CAB, signer: await caIssuedCertificate(scenario, ca, CAB), chain: [ca] });
  docs.otherCab = await scenario.document({ cabCode: CAB, signer: await caIssuedCertificate(scenario, ca, OTHER_CAB), chain: [ca] });

  const revokedCa = await createNationalCa('UZ', 'Revoked Test Authority', validity(scenario, 3650), 'ECDSA-P256');
  await scenario.registerCa(revokedCa);
  const underRevokedCa = await caIssuedCertificate(scenario, revokedCa, CAB);
  await scenario.submit('ca.revoke', { sha256: revokedCa.sha256, reason: 'cACompromise' }, 'registrar:UZ');
  docs.caRevoked = await scenario.document({ cabCode: CAB, signer: underRevokedCa, chain: [revokedCa] });

  const suspendedKey = await ownCertificate(scenario, SUSPENDED_CAB);
  await scenario.registerCabKey(SUSPENDED_CAB, suspendedKey);
  await scenario.submit(
    'cab.update',
    { code: SUSPENDED_CAB, name: `Test body ${SUSPENDED_CAB}`, type: 'certification-body', status: 'suspended', effectiveAt: new Date(scenario.now() - 1000).toISOString() },
    'registrar:UZ',
  );
  docs.suspended = await scenario.document({ cabCode: SUSPENDED_CAB, signer: suspendedKey });

  docs.wrongStandard = await scenario.document({ cabCode: CAB, signer: goodCertificate, type: 'TR' });
  docs.outOfScope = await scenario.document({ cabCode: CAB, signer: goodCertificate, hsCodes: ['940510'] });
  docs.notLogged = await scenario.document({ cabCode: CAB, signer: goodCertificate, register: false });
  docs.notExchanged = await scenario.document({ cabCode: CAB, signer: goodCertificate, exchange: false });

  // Last, because the hub's clock only moves forward: a certificate that expires in an hour,
  // registered while valid, and a document logged two hours later.
  const shortLived = await ownCertificate(scenario, CAB, new Date(scenario.now() + HOUR));
  await scenario.registerCabKey(CAB, shortLived);
  scenario.offsetMs = 2 * HOUR;
  docs.expired = await scenario.document({ cabCode: CAB, signer: shortLived });
}, 120_000);

afterAll(async () => {
  await scenario?.stop();
});

async function verifyOverHub(document: LoggedDocument, policy?: TlogPolicy): Promise<DocumentVerificationReport> {
  const logKey = noteVerifier(scenario.hub.vkey);
  const log = await fetchLog(hubFetcher(new HubClient(scenario.url)), logKey, policy);
  return verifyDocument({ pdf: document.pdf, logKey: scenario.hub.vkey, policy, evidence: { kind: 'log', ...log } });
}

async function receiptOf(document: LoggedDocument, withLog: boolean): Promise<Receipt> {
  return fetchReceipt(new HubClient(scenario.url), document.sha256, noteVerifier(scenario.hub.vkey), withLog);
}

function check(report: DocumentVerificationReport, id: string): { indication: string; subIndication?: string; evidence: Record<string, unknown> } {
  const found = report.checks.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`report has no ${id} check`);
  return found;
}

function indicationOf(report: DocumentVerificationReport, id: string): string {
  const { indication, subIndication } = check(report, id);
  return subIndication === undefined ? indication : `${indication}/${subIndication}`;
}

describe('verifyDocument over a hub', () => {
  it('when every check holds, it is TOTAL-PASSED', async () => {
    const report = await verifyOverHub(docs.good!);
    expect(report.checks.map((item) => indicationOf(report, item.id))).toEqual(Array(6).fill('PASSED'));
    expect(report.result).toBe('TOTAL-PASSED');
    expect(report.document.index).toBe(docs.good!.index);
    expect(report.checkpoint?.origin).toBe(scenario.hub.origin);
    expect(check(report, 'key-registry').evidence.path).toBe('registered');
    expect(formatReport(report)).toContain('TOTAL-PASSED');
  });

  it('unknown key is NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const report = await verifyOverHub(docs.unknown!);
    expect(indicationOf(report, 'key-registry')).toBe('INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND');
    expect(report.result).toBe('INDETERMINATE');
  });

  it('key revoked before the document was logged is REVOKED', async () => {
    const report = await verifyOverHub(docs.revokedBefore!);
    expect(indicationOf(report, 'key-registry')).toBe('FAILED/REVOKED');
    expect(report.result).toBe('TOTAL-FAILED');
  });

  it('key revoked after the document was logged passes', async () => {
    const report = await verifyOverHub(docs.revokedAfter!);
    expect(indicationOf(report, 'key-registry')).toBe('PASSED');
    expect(report.result).toBe('TOTAL-PASSED');
  });

  it('revocation with an earlier compromisedAt is REVOKED', async () => {
    const report = await verifyOverHub(docs.compromised!);
    expect(indicationOf(report, 'key-registry')).toBe('FAILED/REVOKED');
    expect(check(report, 'key-registry').evidence.compromisedAt).not.toBeNull();
  });

  it('certificate expired before the document was logged is OUT_OF_BOUNDS_NO_POE', async () => {
    const report = await verifyOverHub(docs.expired!);
    expect(indicationOf(report, 'key-registry')).toBe('INDETERMINATE/OUT_OF_BOUNDS_NO_POE');
    expect(report.result).toBe('INDETERMINATE');
  });

  it('certificate issued by a registered national CA passes', async () => {
    const report = await verifyOverHub(docs.caIssued!);
    expect(indicationOf(report, 'key-registry')).toBe('PASSED');
    expect(check(report, 'key-registry').evidence.path).toBe('national-ca');
    expect(report.result).toBe('TOTAL-PASSED');
  });

  it('certificate of a revoked national CA is REVOKED', async () => {
    const report = await verifyOverHub(docs.caRevoked!);
    expect(indicationOf(report, 'key-registry')).toBe('FAILED/REVOKED');
    expect(check(report, 'key-registry').evidence.revocationReason).toBe('cACompromise');
  });

  it('CA certificate naming another CAB is NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const report = await verifyOverHub(docs.otherCab!);
    expect(indicationOf(report, 'key-registry')).toBe('INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND');
    expect(report.checks.find((item) => item.id === 'key-registry')?.message).toContain(OTHER_CAB);
  });

  it('suspended CAB is NOT_AUTHORISED', async () => {
    const report = await verifyOverHub(docs.suspended!);
    expect(indicationOf(report, 'cab-authority')).toBe('FAILED/NOT_AUTHORISED');
    expect(report.result).toBe('TOTAL-FAILED');
  });

  it('accreditation for the wrong standard is NOT_ACCREDITED', async () => {
    const report = await verifyOverHub(docs.wrongStandard!);
    expect(indicationOf(report, 'accreditation')).toBe('FAILED/NOT_ACCREDITED');
    expect(check(report, 'accreditation').evidence.standard).toBe('ISO/IEC 17025');
  });

  it('HS code outside the scope is OUT_OF_SCOPE', async () => {
    const report = await verifyOverHub(docs.outOfScope!);
    expect(indicationOf(report, 'scope')).toBe('FAILED/OUT_OF_SCOPE');
    expect(check(report, 'scope').evidence.uncoveredHsCodes).toBe('940510');
  });

  it('document not logged is NOT_LOGGED', async () => {
    const report = await verifyOverHub(docs.notLogged!);
    expect(indicationOf(report, 'traceability')).toBe('FAILED/NOT_LOGGED');
    expect(indicationOf(report, 'signature')).toBe('PASSED');
    expect(indicationOf(report, 'key-registry')).toBe('INDETERMINATE/TRY_LATER');
    expect(report.result).toBe('TOTAL-FAILED');
  });

  it('document never exchanged is NOT_LOGGED', async () => {
    const report = await verifyOverHub(docs.notExchanged!);
    expect(indicationOf(report, 'traceability')).toBe('FAILED/NOT_LOGGED');
    expect(check(report, 'traceability').evidence.missing).toBe('exchange.send');
    expect(indicationOf(report, 'key-registry')).toBe('PASSED');
  });

  it('policy needing a missing cosignature is QUORUM_NOT_MET', async () => {
    const policy = parseTlogPolicy(`witness KG ${witnessVkey()}\nquorum KG\n`);
    const report = await verifyOverHub(docs.good!, policy);
    expect(indicationOf(report, 'traceability')).toBe('INDETERMINATE/QUORUM_NOT_MET');
    expect(report.result).toBe('INDETERMINATE');
  });
});

function witnessVkey(): string {
  return verifierKeyOf(scenario.key('witness:KG'));
}

/** Adds a witness:KG cosignature to the checkpoint of every proof. */
function cosign(receipt: Receipt): Receipt {
  const note = receipt.proofs[0]!.checkpoint;
  const signed = signNote(parseNote(note).text, [noteSigner(scenario.key('witness:KG'))]);
  const lines = signed.slice(signed.lastIndexOf('\n\n') + 2);
  const cosigned = addSignatures(note, lines);
  return { ...receipt, proofs: receipt.proofs.map((proof) => ({ ...proof, checkpoint: cosigned })) };
}

describe('verifyDocument offline', () => {
  it('without evidence, only the signature is decided', async () => {
    const report = await verifyDocument({ pdf: docs.good!.pdf, evidence: { kind: 'none' } });
    expect(indicationOf(report, 'signature')).toBe('PASSED');
    for (const id of ['cab-authority', 'accreditation', 'scope', 'key-registry', 'traceability']) {
      expect(indicationOf(report, id)).toBe('INDETERMINATE/TRY_LATER');
    }
    expect(report.result).toBe('INDETERMINATE');
  });

  it('receipt without log leaves checks 1, 2, 3 and 5 TRY_LATER', async () => {
    const receipt = parseReceipt(formatReceipt(await receiptOf(docs.good!, false)));
    const policy = parseTlogPolicy('quorum none\n');
    const report = await verifyDocument({ pdf: docs.good!.pdf, logKey: scenario.hub.vkey, policy, evidence: { kind: 'receipt', receipt } });
    for (const id of ['cab-authority', 'accreditation', 'scope', 'key-registry']) {
      expect(indicationOf(report, id)).toBe('INDETERMINATE/TRY_LATER');
    }
    expect(indicationOf(report, 'signature')).toBe('PASSED');
    expect(indicationOf(report, 'traceability')).toBe('PASSED');
    expect(report.document.index).toBe(docs.good!.index);
    expect(report.result).toBe('INDETERMINATE');
  });

  it('receipt with log is TOTAL-PASSED', async () => {
    const receipt = parseReceipt(formatReceipt(await receiptOf(docs.good!, true)));
    expect(receipt.log?.length).toBe(Number(parseNote(receipt.proofs[0]!.checkpoint).text.split('\n')[1]));
    const report = await verifyDocument({ pdf: docs.good!.pdf, logKey: scenario.hub.vkey, evidence: { kind: 'receipt', receipt } });
    expect(report.result).toBe('TOTAL-PASSED');
  });

  it('receipt with log decides a revocation', async () => {
    const receipt = await receiptOf(docs.revokedBefore!, true);
    const report = await verifyDocument({ pdf: docs.revokedBefore!.pdf, logKey: scenario.hub.vkey, evidence: { kind: 'receipt', receipt } });
    expect(indicationOf(report, 'key-registry')).toBe('FAILED/REVOKED');
  });

  it('receipt for another log is UNKNOWN_LOG', async () => {
    const receipt = await receiptOf(docs.good!, true);
    const otherLog = verifierKeyOf(generatePrivateKey(scenario.hub.origin));
    const report = await verifyDocument({ pdf: docs.good!.pdf, logKey: otherLog, evidence: { kind: 'receipt', receipt } });
    expect(indicationOf(report, 'traceability')).toBe('FAILED/UNKNOWN_LOG');
    expect(report.result).toBe('TOTAL-FAILED');
  });

  it('receipt whose log was changed is PROOF_INVALID', async () => {
    const receipt = await receiptOf(docs.good!, true);
    const log = [...receipt.log!];
    log[1] = log[2]!;
    const report = await verifyDocument({ pdf: docs.good!.pdf, logKey: scenario.hub.vkey, evidence: { kind: 'receipt', receipt: { ...receipt, log } } });
    expect(indicationOf(report, 'traceability')).toBe('FAILED/PROOF_INVALID');
  });

  it('checkpoint short of the quorum is QUORUM_NOT_MET', async () => {
    const receipt = await receiptOf(docs.good!, true);
    const policy = parseTlogPolicy(`witness KG ${witnessVkey()}\nquorum KG\n`);
    const report = await verifyDocument({ pdf: docs.good!.pdf, logKey: scenario.hub.vkey, policy, evidence: { kind: 'receipt', receipt } });
    expect(indicationOf(report, 'traceability')).toBe('INDETERMINATE/QUORUM_NOT_MET');
  });

  it('checkpoint with the cosignature the policy needs passes', async () => {
    const receipt = cosign(await receiptOf(docs.good!, true));
    const policy = parseTlogPolicy(`witness KG ${witnessVkey()}\nwitness UZ ${verifierKeyOf(scenario.key('witness:UZ'))}\ngroup any-of-two any KG UZ\nquorum any-of-two\n`);
    const report = await verifyDocument({ pdf: docs.good!.pdf, logKey: scenario.hub.vkey, policy, evidence: { kind: 'receipt', receipt } });
    expect(indicationOf(report, 'traceability')).toBe('PASSED');
    expect(check(report, 'traceability').evidence.cosigners).toBe('KG');
    expect(report.result).toBe('TOTAL-PASSED');
  });
});
