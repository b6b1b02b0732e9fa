import { describe, expect, it } from 'vitest';

import { CHECK_IDS } from '../../registry/kinds/verification.js';
import { buildReport, failed, passed, toRecordedCheck, tryLater } from '../../verifier/indications.js';

const allPassed = CHECK_IDS.map((id) => passed(id, `${id} passed`));

describe('buildReport', () => {
  it('is TOTAL-PASSED when all six pass', () => {
    expect(buildReport(allPassed).result).toBe('TOTAL-PASSED');
  });

  it('is INDETERMINATE when a check tries later', () => {
    const checks = allPassed.map((check) => (check.id === 'signature' ? tryLater('signature', 'no PDF yet') : check));
    expect(buildReport(checks).result).toBe('INDETERMINATE');
  });

  it('is TOTAL-FAILED when any check fails', () => {
    const checks = [...allPassed.slice(1), failed('cab-authority', 'NOT_AUTHORISED', 'suspended')];
    const report = buildReport(checks);
    expect(report.result).toBe('TOTAL-FAILED');
    expect(report.checks.map((check) => check.id)).toEqual([...CHECK_IDS]);
  });

  it('rejects a missing or repeated check', () => {
    expect(() => buildReport(allPassed.slice(1))).toThrow(RangeError);
    expect(() => buildReport([...allPassed, allPassed[0]!])).toThrow(RangeError);
  });
});

describe('toRecordedCheck', () => {
  it('keeps id, indication and sub-indication', () => {
    expect(toRecordedCheck(failed('scope', 'OUT_OF_SCOPE', 'HS 9503'))).toEqual({
      id: 'scope',
      indication: 'FAILED',
      subIndication: 'OUT_OF_SCOPE',
      message: 'HS 9503',
    });
  });

  it('shortens long messages and drops control characters', () => {
    const recorded = toRecordedCheck(passed('scope', `a\nb${'x'.repeat(600)}`));
    expect(recorded.message!.length).toBe(500);
    expect(recorded.message!.startsWith('a b')).toBe(true);
  });
});
