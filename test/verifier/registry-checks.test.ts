import { describe, expect, it } from 'vitest';

import type { AccreditationBody } from '../../registry/kinds/accreditation.js';
import type { DocumentBody } from '../../registry/kinds/document.js';
import type { DocumentRecord } from '../../registry/records.js';
import { checkAccreditation, checkCabAuthority, checkScope, requiredStandard } from '../../verifier/registry-checks.js';
import { cabBody, documentBody, SHA_A, startedLog, type TestLog } from '../registry/fixture.js';

const CAB = 'UZ-UZAC-0042';

function accreditation(overrides: Partial<AccreditationBody> = {}): AccreditationBody {
  return {
    cabCode: CAB,
    standard: 'ISO/IEC 17065',
    accreditationBody: "O'zbekiston Akkreditatsiya Markazi",
    number: 'UZAC/PCB/0042',
    scope: { hsCodes: ['8516', '8509'], regulations: ['TR CU 004/2011', 'TR CU 020/2011'], standards: ['IEC 60335-2-15'] },
    validFrom: '2025-01-01',
    validUntil: '2029-12-31',
    status: 'active',
    effectiveAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** Logs a document and returns its record from the state. */
function logDocument(log: TestLog, body: DocumentBody = documentBody(SHA_A, CAB)): DocumentRecord {
  log.accept('document.register', body, 'authority:UZ');
  return log.registry.state.documentBySha256(body.sha256)!;
}

function accreditedLog(overrides: Partial<AccreditationBody> = {}): TestLog {
  const log = startedLog();
  log.accept('accreditation.set', accreditation(overrides), 'registrar:UZ');
  return log;
}

describe('requiredStandard', () => {
  it('maps CC to 17065 and TR to 17025', () => {
    expect(requiredStandard('CC')).toBe('ISO/IEC 17065');
    expect(requiredStandard('TR')).toBe('ISO/IEC 17025');
  });
});

describe('checkCabAuthority', () => {
  it('passes for an active CAB', () => {
    const log = accreditedLog();
    const report = checkCabAuthority(log.registry.state, logDocument(log));
    expect(report.indication).toBe('PASSED');
    expect(report.evidence.status).toBe('active');
    expect(report.evidence.country).toBe('UZ');
  });

  it('when the CAB is suspended before the document, it fails NOT_AUTHORISED', () => {
    const log = accreditedLog();
    log.accept('cab.update', cabBody(CAB, 'suspended', '2026-06-01T00:00:00.000Z'), 'registrar:UZ');
    const report = checkCabAuthority(log.registry.state, logDocument(log));
    expect(report.indication).toBe('FAILED');
    expect(report.subIndication).toBe('NOT_AUTHORISED');
    expect(report.evidence.status).toBe('suspended');
  });

  it('when the suspension is logged after the document, it passes', () => {
    const log = accreditedLog();
    const document = logDocument(log);
    log.accept('cab.update', cabBody(CAB, 'suspended', '2026-06-01T00:00:00.000Z'), 'registrar:UZ');
    expect(checkCabAuthority(log.registry.state, document).indication).toBe('PASSED');
  });

  it('when the suspension takes effect after the log time, it passes', () => {
    const log = accreditedLog();
    log.accept('cab.update', cabBody(CAB, 'suspended', '2027-06-01T00:00:00.000Z'), 'registrar:UZ');
    expect(checkCabAuthority(log.registry.state, logDocument(log)).indication).toBe('PASSED');
  });

  it('when the CAB is withdrawn, it fails NOT_AUTHORISED', () => {
    const log = accreditedLog();
    log.accept('cab.update', cabBody(CAB, 'withdrawn', '2026-06-01T00:00:00.000Z'), 'registrar:UZ');
    const report = checkCabAuthority(log.registry.state, logDocument(log));
    expect(report.subIndication).toBe('NOT_AUTHORISED');
    expect(report.evidence.status).toBe('withdrawn');
  });

  it('when the record names an unregistered CAB, it fails NOT_AUTHORISED', () => {
    const log = accreditedLog();
    const document = logDocument(log);
    const forged = { ...document, body: { ...document.body, issuer: 'UZ-UZAC-9999' } };
    const report = checkCabAuthority(log.registry.state, forged);
    expect(report.subIndication).toBe('NOT_AUTHORISED');
    expect(report.evidence.cabCode).toBe('UZ-UZAC-9999');
  });
});

describe('checkAccreditation', () => {
  it('passes for a CC under an active 17065 accreditation', () => {
    const log = accreditedLog();
    const report = checkAccreditation(log.registry.state, logDocument(log));
    expect(report.indication).toBe('PASSED');
    expect(report.evidence.accreditationNumber).toBe('UZAC/PCB/0042');
  });

  it('when a TR comes from a 17065-only CAB, it fails NOT_ACCREDITED', () => {
    const log = accreditedLog();
    const report = checkAccreditation(log.registry.state, logDocument(log, { ...documentBody(SHA_A, CAB), type: 'TR' }));
    expect(report.indication).toBe('FAILED');
    expect(report.subIndication).toBe('NOT_ACCREDITED');
    expect(report.evidence.standard).toBe('ISO/IEC 17025');
    expect(report.evidence.problem).toBe('not_accredited');
  });

  it('when the accreditation is suspended, it fails NOT_ACCREDITED', () => {
    const log = accreditedLog({ status: 'suspended' });
    const report = checkAccreditation(log.registry.state, logDocument(log));
    expect(report.subIndication).toBe('NOT_ACCREDITED');
    expect(report.evidence.problem).toBe('suspended');
  });

  it('when the accreditation has expired, it fails NOT_ACCREDITED', () => {
    const log = accreditedLog({ validUntil: '2026-11-30' });
    const report = checkAccreditation(log.registry.state, logDocument(log));
    expect(report.subIndication).toBe('NOT_ACCREDITED');
    expect(report.evidence.problem).toBe('expired');
  });

  it('reads the accreditation as of the document index', () => {
    const log = accreditedLog();
    const document = logDocument(log);
    log.accept('accreditation.set', accreditation({ status: 'withdrawn' }), 'registrar:UZ');
    expect(checkAccreditation(log.registry.state, document).indication).toBe('PASSED');
  });
});

describe('checkScope', () => {
  it('passes when every HS code and regulation is covered', () => {
    const log = accreditedLog();
    expect(checkScope(log.registry.state, logDocument(log)).indication).toBe('PASSED');
  });

  it('when an HS code is outside the scope, it fails OUT_OF_SCOPE', () => {
    const log = accreditedLog();
    const body = documentBody(SHA_A, CAB);
    body.product = { description: 'Construction toy set', hsCodes: ['950300', '851671'] };
    const report = checkScope(log.registry.state, logDocument(log, body));
    expect(report.indication).toBe('FAILED');
    expect(report.subIndication).toBe('OUT_OF_SCOPE');
    expect(report.evidence.uncoveredHsCodes).toBe('950300');
    expect(report.evidence.uncoveredRegulations).toBe('');
  });

  it('when a regulation is outside the scope, it fails OUT_OF_SCOPE', () => {
    const log = accreditedLog();
    const body = { ...documentBody(SHA_A, CAB), regulations: ['TR CU 008/2011'] };
    const report = checkScope(log.registry.state, logDocument(log, body));
    expect(report.subIndication).toBe('OUT_OF_SCOPE');
    expect(report.evidence.uncoveredRegulations).toBe('TR CU 008/2011');
  });

  it('when there is no accreditation under the standard, it fails OUT_OF_SCOPE', () => {
    const log = accreditedLog();
    const report = checkScope(log.registry.state, logDocument(log, { ...documentBody(SHA_A, CAB), type: 'TR' }));
    expect(report.subIndication).toBe('OUT_OF_SCOPE');
    expect(report.evidence.standard).toBe('ISO/IEC 17025');
  });
});
