import { describe, expect, it } from 'vitest';

import { expectedChecks, expectedResults, matchesOutcome } from '../../../cli/pilot/expectations.js';
import { buildScenario, type DocumentPlan } from '../../../cli/pilot/scenario.js';

const sample = { file: 'a.pdf', sha256: 'ab'.repeat(32), signature: ['FAILED'], signers: ['cd'.repeat(32)] };
const scenario = buildScenario('123456', ['UZ', 'AZ', 'KG'], [sample]);
const planOf = (labelPart: string): DocumentPlan => scenario.documents.find((plan) => plan.label.includes(labelPart))!;

describe('expectedChecks', () => {
  it('nothing listed: all PASSED', () => {
    const checks = expectedChecks(scenario.documents[0]!, new Map());
    expect(checks.map((check) => check.outcomes)).toEqual(Array(6).fill(['PASSED']));
  });

  it('unregistered sample signer: NO_CERTIFICATE_CHAIN_FOUND', () => {
    const checks = expectedChecks(planOf('sample a.pdf'), new Map([[sample.signers[0]!, 'UZ-OTHER-1']]));
    expect(checks.find((check) => check.id === 'key-registry')!.outcomes).toEqual(['INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND']);
    expect(checks.find((check) => check.id === 'signature')!.outcomes).toEqual(['FAILED']);
  });

  it('registered sample signer: PASSED allowed', () => {
    const plan = planOf('sample a.pdf');
    const checks = expectedChecks(plan, new Map([[sample.signers[0]!, plan.issuer.code]]));
    expect(checks.find((check) => check.id === 'key-registry')!.outcomes).toContain('PASSED');
  });

  it('revoked key: REVOKED, TOTAL-FAILED', () => {
    const checks = expectedChecks(planOf('revoked before logging'), new Map());
    expect(checks.find((check) => check.id === 'key-registry')!.outcomes).toEqual(['FAILED/REVOKED']);
    expect(expectedResults(checks)).toEqual(['TOTAL-FAILED']);
  });
});

describe('expectedResults', () => {
  it('all passed: TOTAL-PASSED', () => {
    expect(expectedResults([{ outcomes: ['PASSED'] }, { outcomes: ['PASSED'] }])).toEqual(['TOTAL-PASSED']);
  });

  it('alternatives: every result allowed', () => {
    expect(expectedResults([{ outcomes: ['PASSED'] }, { outcomes: ['FAILED/FORMAT_FAILURE', 'INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE'] }])).toEqual([
      'TOTAL-FAILED',
      'INDETERMINATE',
    ]);
  });
});

describe('matchesOutcome', () => {
  it('bare indication: any sub-indication', () => {
    expect(matchesOutcome(['FAILED'], { id: 'signature', indication: 'FAILED', subIndication: 'HASH_FAILURE' })).toBe(true);
  });

  it('sub-indication: exact match', () => {
    expect(matchesOutcome(['FAILED/FORMAT_FAILURE'], { id: 'signature', indication: 'FAILED', subIndication: 'HASH_FAILURE' })).toBe(false);
    expect(matchesOutcome(['PASSED'], { id: 'signature', indication: 'INDETERMINATE', subIndication: 'TRY_LATER' })).toBe(false);
  });
});
