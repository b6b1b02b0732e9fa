import { describe, expect, it } from 'vitest';

import { encodeLeaf } from '../../registry/envelope.js';
import { RuleError } from '../../registry/errors.js';
import { Registry } from '../../registry/registry.js';
import { scopeCovers } from '../../registry/trust.js';
import { cabBody, documentBody, SHA_A, startedLog, TestLog } from './fixture.js';

const ACCREDITATION = {
  cabCode: 'UZ-UZAC-0042',
  standard: 'ISO/IEC 17065' as const,
  accreditationBody: 'UZAC',
  number: 'A-1',
  scope: { hsCodes: ['8516'], regulations: ['TR CU 004/2011'], standards: [] },
  validFrom: '2026-01-01',
  validUntil: '2027-06-30',
  status: 'active' as const,
  effectiveAt: '2026-01-01T00:00:00.000Z',
};

describe('registry state', () => {
  it('as-of-index queries return the old versions', () => {
    const log = startedLog();
    const registered = log.size - 2;
    log.accept('cab.update', { ...cabBody('UZ-UZAC-0042', 'suspended'), name: 'Renamed' }, 'registrar:UZ');
    const state = log.registry.state;
    expect(state.cabAt('UZ-UZAC-0042', registered)?.name).toBe('CAB UZ-UZAC-0042');
    expect(state.cabAt('UZ-UZAC-0042')?.name).toBe('Renamed');
    expect(state.cabAt('UZ-UZAC-0042', registered - 1)).toBeUndefined();
    expect(state.cabHistory('UZ-UZAC-0042')).toHaveLength(2);
  });

  it('maps a time to the last index logged by then', () => {
    const log = startedLog();
    const state = log.registry.state;
    expect(state.indexAtTime(state.loggedAtOf(2)!)).toBe(2);
    expect(state.indexAtTime(state.loggedAtOf(2)! + 1)).toBe(2);
    expect(state.indexAtTime(state.loggedAtOf(0)! - 1)).toBe(-1);
  });

  it('truncate drops a staged batch', () => {
    const log = startedLog();
    const size = log.size;
    log.accept('document.register', documentBody(SHA_A), 'authority:UZ');
    log.accept('cab.update', cabBody('UZ-UZAC-0042', 'withdrawn'), 'registrar:UZ');
    log.registry.truncate(size);
    expect(log.registry.state.size).toBe(size);
    expect(log.registry.state.documentBySha256(SHA_A)).toBeUndefined();
    expect(log.registry.state.cabAt('UZ-UZAC-0042')?.status).toBe('active');
    log.now += 1000;
    expect(log.codeOf('document.register', documentBody(SHA_A), 'authority:UZ')).toBe('accepted');
  });

  it('truncate below released entries fails', () => {
    const log = startedLog();
    log.registry.releaseUndo(log.size);
    expect(() => log.registry.truncate(1)).toThrow(RangeError);
  });

  it('accreditation validity follows status, effective time and dates', () => {
    const log = startedLog();
    log.accept('accreditation.set', ACCREDITATION, 'registrar:UZ');
    const state = log.registry.state;
    const time = Date.parse('2026-12-04T12:00:00.000Z');
    expect(state.accreditationStatusAt('UZ-UZAC-0042', 'ISO/IEC 17065', time).valid).toBe(true);
    expect(state.accreditationStatusAt('UZ-UZAC-0042', 'ISO/IEC 17025', time).problem).toBe('not_accredited');
    expect(state.accreditationStatusAt('UZ-UZAC-0042', 'ISO/IEC 17065', Date.parse('2027-07-01T00:00:00.000Z')).problem).toBe('expired');
    log.accept('accreditation.set', { ...ACCREDITATION, status: 'suspended', effectiveAt: '2026-12-01T00:00:00.000Z' }, 'registrar:UZ');
    expect(state.accreditationStatusAt('UZ-UZAC-0042', 'ISO/IEC 17065', time).problem).toBe('suspended');
    expect(state.accreditationStatusAt('UZ-UZAC-0042', 'ISO/IEC 17065', Date.parse('2026-11-30T00:00:00.000Z')).valid).toBe(true);
  });

  it('scope matching uses HS prefixes and regulations', () => {
    expect(scopeCovers(ACCREDITATION.scope, ['851671'], ['TR CU 004/2011']).covered).toBe(true);
    const outside = scopeCovers(ACCREDITATION.scope, ['851671', '8415'], ['TR CU 020/2011']);
    expect(outside.covered).toBe(false);
    expect(outside.uncoveredHsCodes).toEqual(['8415']);
    expect(outside.uncoveredRegulations).toEqual(['TR CU 020/2011']);
  });

  it('replay of the leaves rebuilds the same state', () => {
    const log = new TestLog();
    const envelopes = [log.sign('log.genesis', log.genesisBody(), 'operator')];
    const leaves = [encodeLeaf(envelopes[0]!, log.now)];
    log.submitEnvelope(envelopes[0]!);
    const cab = log.sign('cab.register', cabBody('UZ-UZAC-0042'), 'registrar:UZ');
    leaves.push(encodeLeaf(cab, log.now));
    log.submitEnvelope(cab);
    const replayed = Registry.replay(leaves);
    expect(replayed.state.cabAt('UZ-UZAC-0042')).toEqual(log.registry.state.cabAt('UZ-UZAC-0042'));
  });

  it('replay rejects a replayed nonce and names the index', () => {
    const log = new TestLog();
    const genesis = log.sign('log.genesis', log.genesisBody(), 'operator');
    const nonce = new Uint8Array(16).fill(1);
    const first = log.sign('cab.register', cabBody('UZ-UZAC-0042'), 'registrar:UZ', { nonce });
    const second = log.sign('cab.register', cabBody('UZ-UZAC-0043'), 'registrar:UZ', { nonce });
    const leaves = [genesis, first, second].map((envelope) => encodeLeaf(envelope, log.now));
    try {
      Registry.replay(leaves);
      expect.unreachable();
    } catch (error) {
      expect((error as RuleError).code).toBe('replayed_nonce');
      expect((error as RuleError).evidence.index).toBe(2);
    }
  });
});
