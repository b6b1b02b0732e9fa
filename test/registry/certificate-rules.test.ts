import { beforeAll, describe, expect, it } from 'vitest';

import { encodeBase64 } from '../../registry/encoding.js';
import { parseCertificate } from '../../registry/x509.js';
import { makeCabCertificate, makeCaCertificate, type TestCa } from './certificates.js';
import { cabBody, documentBody, SHA_A, SHA_B, startedLog, T0 } from './fixture.js';

const DAY = 86_400_000;

describe('certificate rules', () => {
  let caUz: TestCa;
  let caKg: TestCa;
  let endEntityCa: TestCa;
  let issuedCab: Uint8Array;
  let ownCab: Uint8Array;

  beforeAll(async () => {
    caUz = await makeCaCertificate('UZ', T0 - DAY);
    caKg = await makeCaCertificate('KG', T0 - DAY);
    endEntityCa = await makeCaCertificate('UZ', T0 - DAY, 365, false);
    issuedCab = await makeCabCertificate({ country: 'UZ', cabCode: 'UZ-UZAC-0042', issuer: caUz, notBefore: T0 - DAY });
    ownCab = await makeCabCertificate({ country: 'UZ', notBefore: T0 - DAY });
  });

  it('a national CA must be a CA certificate of the registrar country', () => {
    const log = startedLog();
    expect(log.codeOf('ca.register', { certificate: encodeBase64(caKg.der) }, 'registrar:UZ')).toBe('wrong_country');
    expect(log.codeOf('ca.register', { certificate: encodeBase64(endEntityCa.der) }, 'registrar:UZ')).toBe('not_ca_certificate');
    expect(log.codeOf('ca.register', { certificate: encodeBase64(caUz.der) }, 'registrar:UZ')).toBe('accepted');
    expect(log.codeOf('ca.register', { certificate: encodeBase64(caUz.der) }, 'registrar:UZ')).toBe('certificate_exists');
  });

  it('garbage, expired and future certificates fail', async () => {
    const log = startedLog();
    expect(log.codeOf('cabkey.register', { cabCode: 'UZ-UZAC-0042', certificate: 'AAAAAAAA' }, 'registrar:UZ')).toBe('certificate_invalid');
    const expired = await makeCabCertificate({ country: 'UZ', notBefore: T0 - 400 * DAY, days: 30 });
    expect(log.codeOf('cabkey.register', { cabCode: 'UZ-UZAC-0042', certificate: encodeBase64(expired) }, 'registrar:UZ')).toBe('certificate_expired');
    const future = await makeCabCertificate({ country: 'UZ', notBefore: T0 + 10 * DAY });
    expect(log.codeOf('cabkey.register', { cabCode: 'UZ-UZAC-0042', certificate: encodeBase64(future) }, 'registrar:UZ')).toBe('certificate_not_yet_valid');
  });

  it('a CAB certificate issued by a registered CA must carry the CAB code', () => {
    const log = startedLog();
    log.accept('ca.register', { certificate: encodeBase64(caUz.der) }, 'registrar:UZ');
    log.accept('cab.register', cabBody('UZ-UZAC-0043'), 'registrar:UZ');
    expect(log.codeOf('cabkey.register', { cabCode: 'UZ-UZAC-0043', certificate: encodeBase64(issuedCab) }, 'registrar:UZ')).toBe('cab_code_mismatch');
    log.accept('cabkey.register', { cabCode: 'UZ-UZAC-0042', certificate: encodeBase64(issuedCab) }, 'registrar:UZ');
    const sha256 = parseCertificate(issuedCab).sha256;
    expect(log.registry.state.keyAt(sha256)?.issuerCa).toBe(parseCertificate(caUz.der).sha256);
    expect(log.codeOf('cabkey.register', { cabCode: 'UZ-UZAC-0042', certificate: encodeBase64(issuedCab) }, 'registrar:UZ')).toBe('certificate_exists');
  });

  it("a CAB's own certificate is accepted without a CA", () => {
    const log = startedLog();
    expect(log.codeOf('cabkey.register', { cabCode: 'UZ-UZAC-0042', certificate: encodeBase64(ownCab) }, 'registrar:UZ')).toBe('accepted');
    expect(log.registry.state.keyAt(parseCertificate(ownCab).sha256)?.issuerCa).toBeUndefined();
  });

  it('a key needs an existing, active CAB of the registrar country', () => {
    const log = startedLog();
    const body = { cabCode: 'UZ-UZAC-0099', certificate: encodeBase64(ownCab) };
    expect(log.codeOf('cabkey.register', body, 'registrar:UZ')).toBe('unknown_cab');
    expect(log.codeOf('cabkey.register', { ...body, cabCode: 'UZ-UZAC-0042' }, 'registrar:KG')).toBe('wrong_country');
    log.accept('cab.update', cabBody('UZ-UZAC-0042', 'suspended', '2026-12-01T00:00:00.000Z'), 'registrar:UZ');
    expect(log.codeOf('cabkey.register', { ...body, cabCode: 'UZ-UZAC-0042' }, 'registrar:UZ')).toBe('cab_not_active');
  });

  it('revoking an unknown certificate fails', () => {
    const log = startedLog();
    expect(log.codeOf('cabkey.revoke', { sha256: SHA_A, reason: 'keyCompromise' }, 'registrar:UZ')).toBe('unknown_certificate');
    expect(log.codeOf('ca.revoke', { sha256: SHA_A, reason: 'cACompromise' }, 'registrar:UZ')).toBe('unknown_certificate');
  });

  it('a revocation without compromisedAt affects documents logged from its log time on', () => {
    const log = startedLog();
    log.accept('cabkey.register', { cabCode: 'UZ-UZAC-0042', certificate: encodeBase64(ownCab) }, 'registrar:UZ');
    const sha256 = parseCertificate(ownCab).sha256;
    log.accept('document.register', documentBody(SHA_A), 'authority:UZ');
    const before = log.registry.state.documentBySha256(SHA_A)!.loggedAt;
    const revokedIndex = log.size;
    const revokedAt = log.now;
    log.accept('cabkey.revoke', { sha256, reason: 'superseded' }, 'registrar:UZ');
    log.accept('document.register', documentBody(SHA_B), 'authority:UZ');
    const after = log.registry.state.documentBySha256(SHA_B)!.loggedAt;
    const state = log.registry.state;
    expect(state.keyStatusAt(sha256, undefined, before)?.revoked).toBe(false);
    expect(state.keyStatusAt(sha256, undefined, after)?.revoked).toBe(true);
    expect(state.keyStatusAt(sha256, undefined, revokedAt)?.revoked).toBe(true);
    expect(state.keyStatusAt(sha256, revokedIndex - 1)?.revoked).toBe(false);
    expect(log.codeOf('cabkey.revoke', { sha256, reason: 'superseded' }, 'registrar:UZ')).toBe('certificate_revoked');
  });

  it('a revocation with compromisedAt reaches back to that time', () => {
    const log = startedLog();
    log.accept('cabkey.register', { cabCode: 'UZ-UZAC-0042', certificate: encodeBase64(ownCab) }, 'registrar:UZ');
    const sha256 = parseCertificate(ownCab).sha256;
    log.accept('document.register', documentBody(SHA_A), 'authority:UZ');
    const documentTime = log.registry.state.documentBySha256(SHA_A)!.loggedAt;
    log.now += 3_600_000;
    const compromisedAt = new Date(documentTime - 1).toISOString();
    log.accept('cabkey.revoke', { sha256, reason: 'keyCompromise', compromisedAt }, 'registrar:UZ');
    const status = log.registry.state.keyStatusAt(sha256, undefined, documentTime);
    expect(status?.revoked).toBe(true);
    expect(status?.revocation?.effectiveAt).toBe(documentTime - 1);
    expect(log.registry.state.keyStatusAt(sha256, undefined, documentTime - 2)?.revoked).toBe(false);
  });

  it('a compromisedAt in the future fails', () => {
    const log = startedLog();
    log.accept('cabkey.register', { cabCode: 'UZ-UZAC-0042', certificate: encodeBase64(ownCab) }, 'registrar:UZ');
    const sha256 = parseCertificate(ownCab).sha256;
    const compromisedAt = new Date(log.now + 3_600_000).toISOString();
    expect(log.codeOf('cabkey.revoke', { sha256, reason: 'keyCompromise', compromisedAt }, 'registrar:UZ')).toBe('invalid_compromised_at');
  });
});
