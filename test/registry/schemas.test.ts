import { describe, expect, it } from 'vitest';

import { generatePrivateKey, SIG_TYPE_COSIGNATURE, verifierKeyOf } from '../../ledger/note.js';
import { RuleError } from '../../registry/errors.js';
import { KINDS, type BodyOfKind, type Kind } from '../../registry/kinds/index.js';
import type { CheckId } from '../../registry/kinds/verification.js';
import { schemas, validateBody } from '../../registry/schemas.js';
import { cabBody, documentBody, SHA_A } from './fixture.js';

const vkey = verifierKeyOf(generatePrivateKey('authority:UZ'));
const witnessKey = verifierKeyOf(generatePrivateKey('witness:AZ', SIG_TYPE_COSIGNATURE));
const TIME = '2026-12-04T10:15:00.000Z';
const checks = ['cab-authority', 'accreditation', 'scope', 'signature', 'key-registry', 'traceability'].map((id) => ({
  id: id as CheckId,
  indication: 'PASSED' as const,
}));

/** One valid body per kind, and invalid variants each expected to fail. */
const CASES: { [K in Kind]: { valid: BodyOfKind[K]; invalid: unknown[] } } = {
  'log.genesis': {
    valid: {
      origin: 'ecert-ledger.localhost/dev',
      operator: vkey,
      participants: [{ country: 'UZ', registrar: vkey }],
      witnesses: [],
      witnessQuorum: 0,
      recoveryQuorum: 2,
    },
    invalid: [
      { origin: 'a b', operator: vkey, participants: [], witnesses: [], witnessQuorum: 0, recoveryQuorum: 2 },
      { origin: 'o', operator: vkey, participants: [{ country: 'UZ', registrar: vkey }], witnesses: [], witnessQuorum: 0, recoveryQuorum: 1 },
    ],
  },
  'actor.register': {
    valid: { actor: 'authority:UZ', roles: ['sender', 'receiver'], key: vkey },
    invalid: [
      { actor: 'registrar:UZ', roles: ['sender'], key: vkey },
      { actor: 'authority:UZ', roles: ['sender', 'sender'], key: vkey },
      { actor: 'authority:UZ', roles: ['admin'], key: vkey },
      { actor: 'authority:UZ', roles: ['sender'], key: 'not a vkey' },
    ],
  },
  'actor.revoke': { valid: { actor: 'cab:UZ-lab1', reason: 'closed' }, invalid: [{ actor: 'cab:UZ', reason: '' }, { actor: 'cab:UZ' }] },
  'registrar.rotate': { valid: { key: vkey }, invalid: [{ key: vkey, extra: true }, {}] },
  'registrar.recover': { valid: { key: vkey, reason: 'key lost' }, invalid: [{ key: vkey }] },
  'registrar.approve': {
    valid: { requestIndex: 7, requestKind: 'registrar.recover' },
    invalid: [{ requestIndex: 0, requestKind: 'registrar.recover' }, { requestIndex: 7, requestKind: 'cab.register' }],
  },
  'witness.add': {
    valid: { name: 'witness:AZ', key: witnessKey, witnessQuorum: 1 },
    invalid: [{ name: 'operator', key: witnessKey, witnessQuorum: 1 }, { name: 'witness:AZ', key: witnessKey, witnessQuorum: -1 }],
  },
  'witness.remove': { valid: { name: 'witness:AZ', witnessQuorum: 0 }, invalid: [{ name: 'witness:AZ' }] },
  'ca.register': { valid: { certificate: 'MIIB' }, invalid: [{ certificate: 'not base64!' }, { certificate: 'A'.repeat(20_000) }] },
  'ca.revoke': {
    valid: { sha256: SHA_A, reason: 'keyCompromise', compromisedAt: TIME },
    invalid: [{ sha256: SHA_A.toUpperCase(), reason: 'keyCompromise' }, { sha256: SHA_A, reason: 'lost' }],
  },
  'cab.register': {
    valid: cabBody('UZ-UZAC-0042'),
    invalid: [
      { ...cabBody('UZ-UZAC-0042'), code: 'UZ-0042' },
      { ...cabBody('UZ-UZAC-0042'), type: 'inspection-body' },
      { ...cabBody('UZ-UZAC-0042'), effectiveAt: '2026-01-01T00:00:00+05:00' },
    ],
  },
  'cab.update': { valid: cabBody('KG-KGAC-0007', 'suspended'), invalid: [{ ...cabBody('KG-KGAC-0007'), status: 'paused' }] },
  'cab.recode': {
    valid: { code: 'UZ-UZAC-0042', successor: 'UZ-UZAC2-0042', effectiveAt: TIME },
    invalid: [{ code: 'UZ-UZAC-0042', successor: 'UZ-UZAC-0042', effectiveAt: TIME }],
  },
  'accreditation.set': {
    valid: {
      cabCode: 'UZ-UZAC-0042',
      standard: 'ISO/IEC 17065',
      accreditationBody: 'UZAC',
      number: 'UZ.AMT.07.MAI.0042',
      scope: { hsCodes: ['8516'], regulations: ['TR CU 004/2011'], standards: [] },
      validFrom: '2026-01-01',
      validUntil: '2030-12-31',
      status: 'active',
      effectiveAt: TIME,
    },
    invalid: [
      { cabCode: 'UZ-UZAC-0042', standard: 'ISO 9001' },
      {
        cabCode: 'UZ-UZAC-0042',
        standard: 'ISO/IEC 17065',
        accreditationBody: 'UZAC',
        number: 'n',
        scope: { hsCodes: ['8516'], regulations: [], standards: [] },
        validFrom: '2030-01-01',
        validUntil: '2026-12-31',
        status: 'active',
        effectiveAt: TIME,
      },
      {
        cabCode: 'UZ-UZAC-0042',
        standard: 'ISO/IEC 17065',
        accreditationBody: 'UZAC',
        number: 'n',
        scope: { hsCodes: ['8'], regulations: [], standards: [] },
        validFrom: '2026-02-30',
        validUntil: '2026-12-31',
        status: 'active',
        effectiveAt: TIME,
      },
    ],
  },
  'cabkey.register': { valid: { cabCode: 'UZ-UZAC-0042', certificate: 'MIIB' }, invalid: [{ cabCode: 'uz-uzac-0042', certificate: 'MIIB' }] },
  'cabkey.revoke': { valid: { sha256: SHA_A, reason: 'superseded' }, invalid: [{ sha256: SHA_A, reason: 'superseded', compromisedAt: '2026-12-04' }] },
  'document.register': {
    valid: documentBody(SHA_A),
    invalid: [
      { ...documentBody(SHA_A), type: 'XX' },
      { ...documentBody(SHA_A), product: { description: 'kettle', hsCodes: ['8516711234567'] } },
      { ...documentBody(SHA_A), product: { description: 'kettle', hsCodes: [] } },
      { ...documentBody(SHA_A), issuedOn: '01.12.2026' },
    ],
  },
  'exchange.send': {
    valid: { exchangeId: 'ex-1', documentSha256: SHA_A, from: 'UZ', to: 'KG', channel: 'hub', header: { subject: 'CC for kettles' } },
    invalid: [
      { exchangeId: 'ex-1', documentSha256: SHA_A, from: 'UZ', to: 'UZ', channel: 'hub', header: { subject: 's' } },
      { exchangeId: 'ex 1', documentSha256: SHA_A, from: 'UZ', to: 'KG', channel: 'hub', header: { subject: 's' } },
      { exchangeId: 'ex-1', documentSha256: SHA_A, from: 'UZ', to: 'KG', channel: 'hub', header: {} },
    ],
  },
  'exchange.deliver': {
    valid: { exchangeId: 'ex-1', status: 'delivered', attempts: 1 },
    invalid: [{ exchangeId: 'ex-1', status: 'delivered', attempts: 0 }, { exchangeId: 'ex-1', status: 'lost', attempts: 1 }],
  },
  'exchange.receive': {
    valid: { exchangeId: 'ex-1', acknowledgement: 'warning', reason: 'label differs' },
    invalid: [{ exchangeId: 'ex-1', acknowledgement: 'ok' }],
  },
  'exchange.purge': { valid: { exchangeId: 'ex-1', reason: 'not-collected' }, invalid: [{ exchangeId: 'ex-1', reason: 'expired' }] },
  'exchange.exception': {
    valid: { exchangeId: 'ex-1', reason: 'query', text: 'Please resend\nthe annex.' },
    invalid: [{ exchangeId: 'ex-1', reason: 'query', text: 'bell\u0007' }],
  },
  'verification.record': {
    valid: { exchangeId: 'ex-1', documentSha256: SHA_A, checks, result: 'TOTAL-PASSED', decision: 'accepted', checkpointSize: 12 },
    invalid: [
      { exchangeId: 'ex-1', documentSha256: SHA_A, checks, result: 'TOTAL-FAILED', decision: 'rejected', checkpointSize: 12 },
      { exchangeId: 'ex-1', documentSha256: SHA_A, checks: [...checks.slice(1), checks[1]], result: 'TOTAL-PASSED', decision: 'accepted', checkpointSize: 12 },
      { exchangeId: 'ex-1', documentSha256: SHA_A, checks: checks.slice(1), result: 'TOTAL-PASSED', decision: 'accepted', checkpointSize: 12 },
      { exchangeId: 'ex-1', documentSha256: SHA_A, checks, result: 'TOTAL-PASSED', decision: 'accepted', checkpointSize: 1.5 },
    ],
  },
};

function codeOf(kind: Kind, body: unknown): string {
  try {
    validateBody(kind, body);
    return 'accepted';
  } catch (error) {
    if (error instanceof RuleError) return error.code;
    throw error;
  }
}

describe('body schemas', () => {
  it('publishes a closed draft 2020-12 schema for every kind', () => {
    expect(Object.keys(schemas).sort()).toEqual([...KINDS].sort());
    for (const kind of KINDS) {
      expect(schemas[kind].$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schemas[kind].additionalProperties).toBe(false);
    }
  });

  for (const kind of KINDS) {
    it(`${kind} accepts a valid body and rejects invalid ones`, () => {
      expect(codeOf(kind, CASES[kind].valid)).toBe('accepted');
      expect(codeOf(kind, { ...(CASES[kind].valid as object), unknownField: 1 })).toBe('invalid_body');
      for (const body of CASES[kind].invalid) expect(codeOf(kind, body), JSON.stringify(body).slice(0, 80)).toBe('invalid_body');
    });
  }

  it('names the failing path', () => {
    try {
      validateBody('document.register', { ...documentBody(SHA_A), sha256: 'x' });
      expect.unreachable();
    } catch (error) {
      expect((error as RuleError).evidence.path).toBe('/sha256');
    }
  });
});
