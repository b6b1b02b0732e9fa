import { describe, expect, it } from 'vitest';

import { formatCheckpoint } from '../../ledger/checkpoint.js';
import { hashLeaf } from '../../ledger/hash.js';
import { generatePrivateKey, noteSigner, SIG_TYPE_COSIGNATURE, signNote, verifierKeyOf } from '../../ledger/note.js';
import { buildTreeLevels, levelsHashReader, proveInclusionSync, rootFromLeafHashes } from '../../ledger/proof.js';
import { encodeLeaf, signEnvelope } from '../../registry/envelope.js';
import type { BodyOfKind, Kind } from '../../registry/kinds/index.js';
import { checkTraceability, type ProvenEntry, type TraceabilityInput } from '../../verifier/traceability.js';
import { evaluateTlogPolicy, policyFromWitnesses } from '../../verifier/tlog-policy.js';
import { documentBody, SHA_A, SHA_B } from '../registry/fixture.js';

const ORIGIN = 'ecert-ledger.localhost/test';
const logKey = generatePrivateKey(ORIGIN);
const witnessKey = generatePrivateKey('witness:KG', SIG_TYPE_COSIGNATURE);
const authority = generatePrivateKey('authority:UZ');
const NOW = Date.parse('2026-12-04T10:00:00.000Z');

function leaf<K extends Kind>(kind: K, body: BodyOfKind[K]): Uint8Array {
  return encodeLeaf(signEnvelope({ kind, body, actor: 'authority:UZ' }, authority, { now: NOW }), NOW);
}

const sendBody = { exchangeId: 'x-1', documentSha256: SHA_A, from: 'UZ', to: 'KG', channel: 'hub', header: { subject: 'CC 1' } };
const leaves = [
  leaf('document.register', documentBody(SHA_B)),
  leaf('document.register', documentBody(SHA_A)),
  leaf('exchange.send', sendBody),
  leaf('exchange.deliver', { exchangeId: 'x-1', status: 'delivered', attempts: 1 }),
  leaf('exchange.receive', { exchangeId: 'x-1', acknowledgement: 'positive' }),
];
const levels = buildTreeLevels(leaves.map(hashLeaf));
const text = formatCheckpoint({ origin: ORIGIN, size: leaves.length, rootHash: rootFromLeafHashes(leaves.map(hashLeaf)), extensions: [] });
const signedByLog = signNote(text, [noteSigner(logKey)]);
const cosigned = signNote(text, [noteSigner(logKey), noteSigner(witnessKey)]);
const witnesses = [{ name: 'witness:KG', key: verifierKeyOf(witnessKey) }];

function proven(index: number): ProvenEntry {
  return { index, entry: leaves[index]!, proof: proveInclusionSync(index, leaves.length, levelsHashReader(levels)) };
}

function input(overrides: Partial<TraceabilityInput> = {}): TraceabilityInput {
  return {
    documentSha256: SHA_A,
    exchangeId: 'x-1',
    checkpoint: signedByLog,
    logKey: verifierKeyOf(logKey),
    policy: policyFromWitnesses([], 0),
    entries: { 'document.register': proven(1), 'exchange.send': proven(2), 'exchange.receive': proven(4) },
    ...overrides,
  };
}

describe('checkTraceability', () => {
  it('passes with three proven entries and quorum 0', () => {
    const report = checkTraceability(input());
    expect(report.indication).toBe('PASSED');
    expect(report.evidence.checkpointSize).toBe(5);
    expect(report.evidence['exchange.receive.index']).toBe(4);
  });

  it('passes when the witness quorum cosigned', () => {
    const report = checkTraceability(input({ checkpoint: cosigned, policy: policyFromWitnesses(witnesses, 1) }));
    expect(report.indication).toBe('PASSED');
    expect(report.evidence.cosigners).toBe('witness:KG');
  });

  it('when the quorum is not met, it is INDETERMINATE QUORUM_NOT_MET', () => {
    const report = checkTraceability(input({ policy: policyFromWitnesses(witnesses, 1) }));
    expect(report.indication).toBe('INDETERMINATE');
    expect(report.subIndication).toBe('QUORUM_NOT_MET');
  });

  it('when the receive entry is missing, it fails NOT_LOGGED', () => {
    const report = checkTraceability(input({ entries: { 'document.register': proven(1), 'exchange.send': proven(2) } }));
    expect(report.indication).toBe('FAILED');
    expect(report.subIndication).toBe('NOT_LOGGED');
    expect(report.evidence.missing).toBe('exchange.receive');
  });

  it('when an entry of another kind stands in, it fails NOT_LOGGED', () => {
    const entries = { 'document.register': proven(1), 'exchange.send': proven(2), 'exchange.receive': proven(3) };
    const report = checkTraceability(input({ entries }));
    expect(report.subIndication).toBe('NOT_LOGGED');
    expect(report.evidence.entryKind).toBe('exchange.deliver');
  });

  it('when the registration names another document, it fails NOT_LOGGED', () => {
    const entries = { 'document.register': proven(0), 'exchange.send': proven(2), 'exchange.receive': proven(4) };
    expect(checkTraceability(input({ entries })).subIndication).toBe('NOT_LOGGED');
  });

  it('when a proof hash is flipped, it fails PROOF_INVALID', () => {
    const tampered = proven(2);
    const proof = tampered.proof.map((hash) => hash.slice());
    proof[0]![0]! ^= 1;
    const report = checkTraceability(input({ entries: { ...input().entries, 'exchange.send': { ...tampered, proof } } }));
    expect(report.subIndication).toBe('PROOF_INVALID');
    expect(report.evidence.code).toBe('root_mismatch');
  });

  it('when the entry is not a valid leaf, it fails PROOF_INVALID', () => {
    const garbage = { ...proven(2), entry: new TextEncoder().encode('{"kind":"exchange.send"}') };
    const report = checkTraceability(input({ entries: { ...input().entries, 'exchange.send': garbage } }));
    expect(report.subIndication).toBe('PROOF_INVALID');
  });

  it('when another key signed the checkpoint, it fails UNKNOWN_LOG', () => {
    const other = generatePrivateKey(ORIGIN);
    const report = checkTraceability(input({ checkpoint: signNote(text, [noteSigner(other)]) }));
    expect(report.indication).toBe('FAILED');
    expect(report.subIndication).toBe('UNKNOWN_LOG');
  });

  it('when the origin differs, it fails UNKNOWN_LOG', () => {
    expect(checkTraceability(input({ origin: 'another.example/log' })).subIndication).toBe('UNKNOWN_LOG');
  });
});

describe('evaluateTlogPolicy', () => {
  it('counts only verified witness signatures', () => {
    const policy = policyFromWitnesses(witnesses, 1);
    expect(evaluateTlogPolicy(cosigned, policy)).toEqual({ satisfied: true, cosigners: ['witness:KG'], requirement: '1 of (witness:KG)' });
    expect(evaluateTlogPolicy(signedByLog, policy).satisfied).toBe(false);
  });
});
