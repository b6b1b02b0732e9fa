import { utcDateOf } from './formats.js';
import type { AccreditationScope } from './kinds/accreditation.js';
import type { Status } from './kinds/common.js';
import type { AccreditationRecord, CabRecord, CertificateRecord, RevocationRecord } from './records.js';
import type { Version } from './versioned-table.js';

/** A CAB's status at a time: the version in effect then, if any. */
export interface CabStatus {
  /** `unregistered` before the first effective time (or for an unknown code). */
  status: Status | 'unregistered';
  record?: CabRecord;
}

/**
 * Returns the status in effect at `time` (epoch ms): among the versions, the one with the
 * latest `effectiveAt` at or before `time`, a later log index winning a tie. So a
 * suspension logged today with an earlier effective time counts from that time.
 */
export function cabStatusAt(history: readonly Version<CabRecord>[], time: number): CabStatus {
  const record = inEffectAt(history, time, (cab) => cab.effectiveAt);
  return record === undefined ? { status: 'unregistered' } : { status: record.status, record };
}

export type AccreditationProblem = 'not_accredited' | 'suspended' | 'withdrawn' | 'not_yet_valid' | 'expired';

export interface AccreditationStatus {
  valid: boolean;
  record?: AccreditationRecord;
  /** Why it is not valid, when it is not. */
  problem?: AccreditationProblem;
}

/**
 * Returns whether an accreditation was in force at `time`: the version in effect then
 * is `active`, and the UTC date of `time` lies within its validFrom..validUntil.
 */
export function accreditationStatusAt(
  history: readonly Version<AccreditationRecord>[],
  time: number,
): AccreditationStatus {
  const record = inEffectAt(history, time, (accreditation) => accreditation.effectiveAtMs);
  if (record === undefined) return { valid: false, problem: 'not_accredited' };
  if (record.status !== 'active') return { valid: false, record, problem: record.status };
  const date = utcDateOf(time);
  if (date < record.validFrom) return { valid: false, record, problem: 'not_yet_valid' };
  if (date > record.validUntil) return { valid: false, record, problem: 'expired' };
  return { valid: true, record };
}

export interface ScopeCoverage {
  covered: boolean;
  /** Product HS codes that no scope prefix covers. */
  uncoveredHsCodes: string[];
  /** Document regulations missing from the scope. */
  uncoveredRegulations: string[];
}

/**
 * Returns whether an accreditation scope covers a product: every HS code starts with one
 * of the scope's HS prefixes, and every regulation is listed in the scope.
 */
export function scopeCovers(scope: AccreditationScope, hsCodes: readonly string[], regulations: readonly string[]): ScopeCoverage {
  const uncoveredHsCodes = hsCodes.filter((code) => !scope.hsCodes.some((prefix) => code.startsWith(prefix)));
  const uncoveredRegulations = regulations.filter((regulation) => !scope.regulations.includes(regulation));
  return {
    covered: uncoveredHsCodes.length === 0 && uncoveredRegulations.length === 0,
    uncoveredHsCodes,
    uncoveredRegulations,
  };
}

export interface KeyStatus {
  record: CertificateRecord;
  /** Whether the revocation applies; with no proof-of-existence time, whether one is logged. */
  revoked: boolean;
  revocation?: RevocationRecord;
}

/**
 * Applies the revocation rule: a revocation takes effect at its `compromisedAt` if given,
 * else at its own log time, and affects a document only when the document's
 * `document.register` log time (`proofOfExistence`) is at or after that moment.
 */
export function keyStatusAt(record: CertificateRecord, proofOfExistence?: number): KeyStatus {
  const revocation = record.revocation;
  if (revocation === undefined) return { record, revoked: false };
  const revoked = proofOfExistence === undefined || proofOfExistence >= revocation.effectiveAt;
  return { record, revoked, revocation };
}

function inEffectAt<V extends { index?: number }>(
  history: readonly Version<V>[],
  time: number,
  effectiveAt: (value: V) => number,
): V | undefined {
  let best: Version<V> | undefined;
  for (const version of history) {
    const start = effectiveAt(version.value);
    if (start > time) continue;
    // Versions come in log order, so >= lets a later entry win a tie.
    if (best === undefined || start >= effectiveAt(best.value)) best = version;
  }
  return best?.value;
}
