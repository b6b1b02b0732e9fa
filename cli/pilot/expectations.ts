import type { CheckId, Indication, VerificationResult } from '../../registry/kinds/verification.js';
import { CHECK_IDS, overallResult } from '../../registry/kinds/verification.js';
import type { DocumentPlan } from './scenario.js';

/*
 * What the scenario expects of each of the six checks of a document, and how an actual
 * outcome is compared with it. An expected outcome is `INDICATION` or
 * `INDICATION/SUB_INDICATION`; a bare indication accepts any sub-indication, as
 * expected.json states some sample outcomes.
 */

/** Sample signer certificates this run registered, as certificate SHA-256 to the CAB code. */
export type SampleKeys = ReadonlyMap<string, string>;

/** One check as the verifier reported it. */
export interface ActualCheck {
  id: CheckId;
  indication: Indication;
  subIndication?: string;
}

/** Returns the outcomes the scenario accepts of each check, in the standard check order. */
export function expectedChecks(plan: DocumentPlan, sampleKeys: SampleKeys): { id: CheckId; outcomes: string[] }[] {
  return CHECK_IDS.map((id) => {
    const listed = plan.expected.find((candidate) => candidate.id === id);
    if (listed !== undefined) return { id, outcomes: [...listed.outcomes] };
    if (id === 'key-registry' && plan.source.kind === 'sample') return { id, outcomes: sampleKeyRegistry(plan, sampleKeys) };
    return { id, outcomes: ['PASSED'] };
  });
}

/**
 * Check 5 of a sample PDF. Its signers are no pilot CAB's keys, so unless the run
 * registered one of them for the sample's issuer, no registration binds them to it:
 * INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND. When it did, the scenario cannot state one
 * outcome: check 5 reads the signer certificate the signature check took from the CMS,
 * and for a file whose ByteRange is unusable the signature check stops before reading
 * the CMS, which expected.json does not record. So both outcomes are accepted then.
 */
function sampleKeyRegistry(plan: DocumentPlan, sampleKeys: SampleKeys): string[] {
  if (plan.source.kind !== 'sample') throw new RangeError(`${plan.label} is not a sample`);
  const registered = plan.source.signers.some((sha256) => sampleKeys.get(sha256) === plan.issuer.code);
  return registered ? ['PASSED', 'INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND'] : ['INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND'];
}

/** Returns the overall results the expected checks allow (DESIGN.md §5), in a stable order. */
export function expectedResults(expected: readonly { outcomes: string[] }[]): VerificationResult[] {
  let combinations: Indication[][] = [[]];
  for (const check of expected) {
    const indications = [...new Set(check.outcomes.map((outcome) => outcome.split('/')[0] as Indication))];
    combinations = combinations.flatMap((prefix) => indications.map((indication) => [...prefix, indication]));
  }
  const results = new Set(combinations.map((indications) => overallResult(indications)));
  return (['TOTAL-PASSED', 'TOTAL-FAILED', 'INDETERMINATE'] as const).filter((result) => results.has(result));
}

/** Returns whether `actual` is one of the expected outcomes. */
export function matchesOutcome(outcomes: readonly string[], actual: ActualCheck): boolean {
  return outcomes.some((outcome) => {
    const [indication, subIndication] = outcome.split('/');
    return indication === actual.indication && (subIndication === undefined || subIndication === actual.subIndication);
  });
}

/** Formats an actual check as `id=INDICATION[/SUB_INDICATION]`. */
export function describeCheck(check: ActualCheck): string {
  return `${check.id}=${check.indication}${check.subIndication === undefined ? '' : `/${check.subIndication}`}`;
}

/** Formats expected checks as `id=A|B` items joined by commas. */
export function describeExpected(expected: readonly { id: CheckId; outcomes: string[] }[]): string {
  return expected.map((check) => `${check.id}=${check.outcomes.join('|')}`).join(', ');
}
