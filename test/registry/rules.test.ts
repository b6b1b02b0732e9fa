import { describe, expect, it } from 'vitest';

import { formatVerifierKey, generatePrivateKey, SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519, verifierKeyOf } from '../../ledger/note.js';
import { RuleError } from '../../registry/errors.js';
import { cabBody, documentBody, SHA_A, SHA_B, startedLog, T0, TestLog } from './fixture.js';

const SEND = { exchangeId: 'ex-1', documentSha256: SHA_A, from: 'UZ', to: 'KG', channel: 'hub', header: { subject: 'CC' } };
const CHECKS = ['cab-authority', 'accreditation', 'scope', 'signature', 'key-registry', 'traceability'].map((id) => ({
  id: id as 'scope',
  indication: 'PASSED' as const,
}));

function exchangedLog(): TestLog {
  const log = startedLog();
  log.accept('document.register', documentBody(SHA_A), 'authority:UZ');
  log.accept('exchange.send', SEND, 'authority:UZ');
  return log;
}

describe('genesis', () => {
  it('entry 0 must be log.genesis', () => {
    const log = new TestLog();
    expect(log.codeOf('cab.register', cabBody('UZ-UZAC-0042'), 'registrar:UZ')).toBe('genesis_required');
  });

  it('is accepted when signed by the operator key it names', () => {
    const log = new TestLog();
    log.accept('log.genesis', log.genesisBody(), 'operator');
    expect(log.registry.state.genesis()?.participants).toEqual(['UZ', 'KG', 'AZ', 'PK', 'TJ']);
    expect(log.registry.state.registrarAt('UZ')?.key.vkey).toBe(log.vkey('registrar:UZ'));
    expect(log.registry.state.witnessesAt()?.witnessQuorum).toBe(1);
  });

  it('signed by another key than the one it names fails', () => {
    const log = new TestLog();
    const other = generatePrivateKey('operator');
    expect(log.codeOf('log.genesis', log.genesisBody(), 'operator', { key: other })).toBe('key_mismatch');
  });

  it('a second genesis fails', () => {
    const log = startedLog();
    expect(log.codeOf('log.genesis', log.genesisBody(), 'operator')).toBe('genesis_exists');
  });

  it('two registrars sharing a key fail', () => {
    const log = new TestLog();
    const body = log.genesisBody();
    const shared = formatVerifierKey('registrar:AZ', SIG_TYPE_ED25519, log.key('registrar:UZ').publicKey);
    body.participants = body.participants.map((p) => (p.country === 'AZ' ? { ...p, registrar: shared } : p));
    expect(log.codeOf('log.genesis', body, 'operator')).toBe('key_reused');
  });

  it("a registrar with the operator's key fails", () => {
    const log = new TestLog();
    const body = log.genesisBody();
    const shared = formatVerifierKey('registrar:KG', SIG_TYPE_ED25519, log.key('operator').publicKey);
    body.participants = body.participants.map((p) => (p.country === 'KG' ? { ...p, registrar: shared } : p));
    expect(log.codeOf('log.genesis', body, 'operator')).toBe('key_reused');
  });

  it('two witnesses sharing a key fail', () => {
    const log = new TestLog();
    const body = log.genesisBody();
    const shared = formatVerifierKey('witness:UZ', SIG_TYPE_COSIGNATURE, log.key('witness:KG', SIG_TYPE_COSIGNATURE).publicKey);
    body.witnesses = [...body.witnesses, { name: 'witness:UZ', key: shared }];
    expect(log.codeOf('log.genesis', { ...body, witnessQuorum: 2 }, 'operator')).toBe('key_reused');
  });

  it('an unreachable recovery quorum fails', () => {
    const log = new TestLog();
    expect(log.codeOf('log.genesis', { ...log.genesisBody(), recoveryQuorum: 5 }, 'operator')).toBe('invalid_quorum');
  });
});

describe('signer checks', () => {
  it('an unregistered actor fails', () => {
    const log = startedLog();
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:UZ-other')).toBe('unknown_actor');
  });

  it('a key other than the current one fails', () => {
    const log = startedLog();
    const stranger = generatePrivateKey('authority:UZ');
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:UZ', { key: stranger })).toBe('key_mismatch');
  });

  it('a revoked actor fails', () => {
    const log = startedLog();
    log.accept('actor.revoke', { actor: 'authority:UZ', reason: 'moved' }, 'registrar:UZ');
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:UZ')).toBe('actor_revoked');
  });

  it('a wrong signature fails', () => {
    const log = startedLog();
    const envelope = log.sign('document.register', documentBody(SHA_A), 'authority:UZ');
    const forged = { ...envelope, body: { ...envelope.body, number: 'CC-forged' } };
    expect((log.submitEnvelope(forged) as RuleError).code).toBe('invalid_signature');
  });

  it('a replayed nonce fails', () => {
    const log = startedLog();
    const nonce = new Uint8Array(16).fill(9);
    log.accept('document.register', documentBody(SHA_A), 'authority:UZ', { nonce });
    expect(log.codeOf('document.register', documentBody(SHA_B), 'authority:UZ', { nonce })).toBe('replayed_nonce');
  });

  it('a stale signedAt fails', () => {
    const log = startedLog();
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:UZ', { signedAt: log.now - 300_001 })).toBe('stale_signature');
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:UZ', { signedAt: log.now + 300_001 })).toBe('stale_signature');
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:UZ', { signedAt: log.now - 299_000 })).toBe('accepted');
  });

  it('a kind signed by the wrong class of actor fails', () => {
    const log = startedLog();
    expect(log.codeOf('cab.register', cabBody('UZ-UZAC-0001'), 'authority:UZ')).toBe('wrong_signer');
    expect(log.codeOf('exchange.deliver', { exchangeId: 'ex-1', status: 'delivered', attempts: 1 }, 'registrar:UZ')).toBe('wrong_signer');
  });

  it('the change records the nonce', () => {
    const log = startedLog();
    const change = log.accept('document.register', documentBody(SHA_A), 'authority:UZ', { nonce: new Uint8Array(16) });
    expect(change.nonce).toBe('AAAAAAAAAAAAAAAAAAAAAA');
    expect(change.actor).toBe('authority:UZ');
  });
});

describe('actors and registrars', () => {
  it('a registrar registers actors of its own country only', () => {
    const log = startedLog();
    const body = { actor: 'authority:KG-2', roles: ['sender' as const], key: log.vkey('authority:KG-2') };
    expect(log.codeOf('actor.register', body, 'registrar:UZ')).toBe('wrong_country');
    expect(log.codeOf('actor.register', body, 'registrar:KG')).toBe('accepted');
    expect(log.codeOf('actor.register', body, 'registrar:KG')).toBe('actor_exists');
  });

  it('a vkey named for another actor fails', () => {
    const log = startedLog();
    const body = { actor: 'authority:UZ-2', roles: ['sender' as const], key: log.vkey('authority:UZ-3') };
    expect(log.codeOf('actor.register', body, 'registrar:UZ')).toBe('invalid_key');
  });

  it('a key rotation replaces the registrar key', () => {
    const log = startedLog();
    const next = generatePrivateKey('registrar:UZ');
    log.accept('registrar.rotate', { key: verifierKeyOf(next) }, 'registrar:UZ');
    expect(log.codeOf('cab.register', cabBody('UZ-UZAC-0001'), 'registrar:UZ')).toBe('key_mismatch');
    expect(log.codeOf('cab.register', cabBody('UZ-UZAC-0001'), 'registrar:UZ', { key: next })).toBe('accepted');
  });

  it('a recovery takes effect only after the quorum of other registrars', () => {
    const log = startedLog();
    const lost = log.key('registrar:UZ');
    const next = generatePrivateKey('registrar:UZ');
    const requestIndex = log.size;
    log.accept('registrar.recover', { key: verifierKeyOf(next), reason: 'key lost' }, 'registrar:UZ', { key: next });
    const approve = { requestIndex, requestKind: 'registrar.recover' as const };
    expect(log.codeOf('registrar.approve', approve, 'registrar:UZ', { key: lost })).toBe('self_approval');
    log.accept('registrar.approve', approve, 'registrar:KG');
    expect(log.codeOf('registrar.approve', approve, 'registrar:KG')).toBe('duplicate_approval');
    // One approval of two: the old key still rules.
    expect(log.registry.state.registrarAt('UZ')?.key.vkey).toBe(verifierKeyOf(lost));
    const beforeQuorum = log.size - 1;
    log.accept('registrar.approve', approve, 'registrar:AZ');
    expect(log.registry.state.registrarAt('UZ')?.key.vkey).toBe(verifierKeyOf(next));
    expect(log.registry.state.registrarAt('UZ', beforeQuorum)?.key.vkey).toBe(verifierKeyOf(lost));
    expect(log.codeOf('registrar.approve', approve, 'registrar:PK')).toBe('request_closed');
    expect(log.codeOf('cab.register', cabBody('UZ-UZAC-0001'), 'registrar:UZ', { key: next })).toBe('accepted');
  });

  it('an approval of an unknown request fails', () => {
    const log = startedLog();
    expect(log.codeOf('registrar.approve', { requestIndex: 3, requestKind: 'registrar.recover' }, 'registrar:KG')).toBe('unknown_request');
  });

  it('witness changes by the operator wait for registrar approvals', () => {
    const log = startedLog();
    const requestIndex = log.size;
    log.accept('witness.add', { name: 'witness:UZ', key: log.vkey('witness:UZ', 4), witnessQuorum: 2 }, 'operator');
    expect(log.registry.state.witnessesAt()?.witnesses).toHaveLength(1);
    const approve = { requestIndex, requestKind: 'witness.add' as const };
    expect(log.codeOf('registrar.approve', { ...approve, requestKind: 'witness.remove' }, 'registrar:UZ')).toBe('request_kind_mismatch');
    log.accept('registrar.approve', approve, 'registrar:UZ');
    log.accept('registrar.approve', approve, 'registrar:TJ');
    expect(log.registry.state.witnessesAt()?.witnesses.map((w) => w.name)).toEqual(['witness:KG', 'witness:UZ']);
    expect(log.registry.state.witnessesAt()?.witnessQuorum).toBe(2);
    expect(log.codeOf('witness.add', { name: 'witness:UZ', key: log.vkey('witness:UZ', 4), witnessQuorum: 2 }, 'operator')).toBe('witness_exists');
    expect(log.codeOf('witness.remove', { name: 'witness:PK', witnessQuorum: 1 }, 'operator')).toBe('unknown_witness');
    expect(log.codeOf('witness.remove', { name: 'witness:UZ', witnessQuorum: 2 }, 'operator')).toBe('invalid_quorum');
  });
});

describe('CABs and accreditations', () => {
  it('the registrar of UZ cannot register a KG CAB', () => {
    const log = startedLog();
    expect(log.codeOf('cab.register', cabBody('KG-KGAC-0100'), 'registrar:UZ')).toBe('wrong_country');
  });

  it('a CAB code is unique', () => {
    const log = startedLog();
    expect(log.codeOf('cab.register', cabBody('UZ-UZAC-0042'), 'registrar:UZ')).toBe('cab_exists');
  });

  it('updates and accreditations need an existing CAB', () => {
    const log = startedLog();
    expect(log.codeOf('cab.update', cabBody('UZ-UZAC-0099', 'suspended'), 'registrar:UZ')).toBe('unknown_cab');
    const accreditation = {
      cabCode: 'UZ-UZAC-0099',
      standard: 'ISO/IEC 17065' as const,
      accreditationBody: 'UZAC',
      number: '1',
      scope: { hsCodes: ['85'], regulations: [], standards: [] },
      validFrom: '2026-01-01',
      validUntil: '2030-01-01',
      status: 'active' as const,
      effectiveAt: '2026-01-01T00:00:00.000Z',
    };
    expect(log.codeOf('accreditation.set', accreditation, 'registrar:UZ')).toBe('unknown_cab');
    expect(log.codeOf('accreditation.set', { ...accreditation, cabCode: 'UZ-UZAC-0042' }, 'registrar:UZ')).toBe('accepted');
    expect(log.codeOf('accreditation.set', { ...accreditation, cabCode: 'UZ-UZAC-0042' }, 'registrar:KG')).toBe('wrong_country');
  });

  it('a recode moves the CAB and withdraws the old code', () => {
    const log = startedLog();
    log.accept('cab.recode', { code: 'UZ-UZAC-0042', successor: 'UZ-UZNAC-0042', effectiveAt: '2026-12-04T10:00:00.000Z' }, 'registrar:UZ');
    expect(log.registry.state.cabAt('UZ-UZAC-0042')?.successor).toBe('UZ-UZNAC-0042');
    expect(log.registry.state.cabStatusAt('UZ-UZAC-0042', T0 + 1).status).toBe('withdrawn');
    expect(log.registry.state.cabStatusAt('UZ-UZAC-0042', T0 - 1).status).toBe('active');
    expect(log.registry.state.cabAt('UZ-UZNAC-0042')?.predecessor).toBe('UZ-UZAC-0042');
    expect(log.codeOf('cab.recode', { code: 'KG-KGAC-0007', successor: 'UZ-UZNAC-0042', effectiveAt: '2026-12-04T10:00:00.000Z' }, 'registrar:KG')).toBe('wrong_country');
  });
});

describe('documents and exchanges', () => {
  it('a document needs a sender of the issuer country and a known issuer', () => {
    const log = startedLog();
    expect(log.codeOf('document.register', documentBody(SHA_A, 'UZ-UZAC-0099'), 'authority:UZ')).toBe('unknown_issuer');
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:KG')).toBe('wrong_country');
    log.accept('actor.register', { actor: 'authority:UZ-rx', roles: ['receiver'], key: log.vkey('authority:UZ-rx') }, 'registrar:UZ');
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:UZ-rx')).toBe('not_sender');
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:UZ')).toBe('accepted');
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:UZ')).toBe('document_exists');
  });

  it('an exchange needs a registered document, a participant and a new id', () => {
    const log = startedLog();
    expect(log.codeOf('exchange.send', SEND, 'authority:UZ')).toBe('unknown_document');
    log.accept('document.register', documentBody(SHA_A), 'authority:UZ');
    expect(log.codeOf('exchange.send', { ...SEND, to: 'RU' }, 'authority:UZ')).toBe('unknown_country');
    expect(log.codeOf('exchange.send', { ...SEND, from: 'KG', to: 'UZ' }, 'authority:UZ')).toBe('wrong_country');
    expect(log.codeOf('exchange.send', SEND, 'authority:UZ')).toBe('accepted');
    expect(log.codeOf('exchange.send', SEND, 'authority:UZ')).toBe('exchange_exists');
  });

  it('an exchange checks its document last', () => {
    const log = startedLog();
    expect(log.codeOf('exchange.send', { ...SEND, to: 'RU' }, 'authority:UZ')).toBe('unknown_country');
    expect(log.codeOf('exchange.send', SEND, 'authority:UZ')).toBe('unknown_document');
  });

  it("only the issuer's country sends its document", () => {
    const log = startedLog();
    log.accept('document.register', documentBody(SHA_A), 'authority:UZ');
    log.accept('actor.register', { actor: 'authority:AZ', roles: ['sender', 'receiver'], key: log.vkey('authority:AZ') }, 'registrar:AZ');
    expect(log.codeOf('exchange.send', { ...SEND, from: 'AZ', to: 'KG' }, 'authority:AZ')).toBe('wrong_country');
    expect(log.codeOf('exchange.send', SEND, 'authority:UZ')).toBe('accepted');
  });

  it('only the operator delivers and purges an existing exchange', () => {
    const log = exchangedLog();
    expect(log.codeOf('exchange.deliver', { exchangeId: 'ex-9', status: 'delivered', attempts: 1 }, 'operator')).toBe('unknown_exchange');
    expect(log.codeOf('exchange.deliver', { exchangeId: 'ex-1', status: 'delivered', attempts: 1 }, 'authority:UZ')).toBe('wrong_signer');
    expect(log.codeOf('exchange.deliver', { exchangeId: 'ex-1', status: 'delivered', attempts: 1 }, 'operator')).toBe('accepted');
    expect(log.codeOf('exchange.purge', { exchangeId: 'ex-1', reason: 'acknowledged' }, 'operator')).toBe('not_acknowledged');
    expect(log.codeOf('exchange.purge', { exchangeId: 'ex-1', reason: 'not-collected' }, 'operator')).toBe('accepted');
    expect(log.codeOf('exchange.purge', { exchangeId: 'ex-1', reason: 'not-collected' }, 'operator')).toBe('exchange_purged');
  });

  it('only a receiver of the to-country acknowledges and records a verification', () => {
    const log = exchangedLog();
    const receive = { exchangeId: 'ex-1', acknowledgement: 'positive' as const };
    expect(log.codeOf('exchange.receive', receive, 'authority:UZ')).toBe('not_receiver');
    expect(log.codeOf('exchange.receive', receive, 'authority:KG')).toBe('accepted');
    expect(log.codeOf('exchange.receive', receive, 'authority:KG')).toBe('exchange_acknowledged');
    const verification = {
      exchangeId: 'ex-1',
      documentSha256: SHA_A,
      checks: CHECKS,
      result: 'TOTAL-PASSED' as const,
      decision: 'accepted' as const,
      checkpointSize: 5,
    };
    expect(log.codeOf('verification.record', verification, 'authority:UZ')).toBe('not_receiver');
    expect(log.codeOf('verification.record', { ...verification, documentSha256: SHA_B }, 'authority:KG')).toBe('document_mismatch');
    expect(log.codeOf('verification.record', { ...verification, checkpointSize: 1000 }, 'authority:KG')).toBe('invalid_checkpoint_size');
    expect(log.codeOf('verification.record', verification, 'authority:KG')).toBe('accepted');
    const steps = log.registry.state.exchange('ex-1')?.steps.map((step) => step.kind);
    expect(steps).toEqual(['exchange.receive', 'verification.record']);
  });

  it('an exception comes from the sender or receiver side only', () => {
    const log = exchangedLog();
    log.accept('actor.register', { actor: 'authority:AZ', roles: ['sender', 'receiver'], key: log.vkey('authority:AZ') }, 'registrar:AZ');
    const exception = { exchangeId: 'ex-1', reason: 'query' as const, text: 'Which annex?' };
    expect(log.codeOf('exchange.exception', exception, 'authority:AZ')).toBe('not_party');
    expect(log.codeOf('exchange.exception', exception, 'authority:KG')).toBe('accepted');
    expect(log.codeOf('exchange.exception', exception, 'authority:UZ')).toBe('accepted');
  });

  it('only the sender withdraws, once, and a withdrawn exchange takes no delivery', () => {
    const log = exchangedLog();
    const withdraw = { exchangeId: 'ex-1', reason: 'withdrawn' as const, text: 'issued in error' };
    expect(log.codeOf('exchange.exception', withdraw, 'authority:KG')).toBe('not_sender');
    expect(log.codeOf('exchange.exception', withdraw, 'authority:UZ')).toBe('accepted');
    expect(log.codeOf('exchange.exception', withdraw, 'authority:UZ')).toBe('exchange_withdrawn');
    expect(log.codeOf('exchange.deliver', { exchangeId: 'ex-1', status: 'delivered', attempts: 1 }, 'operator')).toBe('exchange_withdrawn');
    expect(log.codeOf('exchange.receive', { exchangeId: 'ex-1', acknowledgement: 'positive' }, 'authority:KG')).toBe('exchange_withdrawn');
    expect(log.codeOf('exchange.purge', { exchangeId: 'ex-1', reason: 'not-collected' }, 'operator')).toBe('accepted');
  });

  it('an acknowledged exchange cannot be withdrawn', () => {
    const log = exchangedLog();
    expect(log.codeOf('exchange.receive', { exchangeId: 'ex-1', acknowledgement: 'positive' }, 'authority:KG')).toBe('accepted');
    const withdraw = { exchangeId: 'ex-1', reason: 'withdrawn' as const, text: 'too late' };
    expect(log.codeOf('exchange.exception', withdraw, 'authority:UZ')).toBe('exchange_acknowledged');
  });
});
