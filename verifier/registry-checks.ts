import { formatUtcTime } from '../registry/formats.js';
import type { AccreditationStandard } from '../registry/kinds/accreditation.js';
import type { DocumentType } from '../registry/kinds/document.js';
import type { DocumentRecord } from '../registry/records.js';
import type { RegistryState } from '../registry/state.js';
import { scopeCovers } from '../registry/trust.js';
import { failed, passed, type CheckReport } from './indications.js';

/*
 * Checks 1 to 3 read the registry as it stood when the document was logged: the state as
 * of the document's `document.register` index, at that entry's log time. The log time is
 * the document's proof of existence, so a later suspension or withdrawal of its CAB does
 * not change the verdict, and one already in effect then does.
 */

/** Returns the accreditation standard a document type needs: ISO/IEC 17065 for a CC, 17025 for a TR. */
export function requiredStandard(type: DocumentType): AccreditationStandard {
  return type === 'CC' ? 'ISO/IEC 17065' : 'ISO/IEC 17025';
}

/**
 * Check 1, cab-authority: the issuer CAB is registered for a participant country and its
 * status in effect at the document's log time is `active`. Its registration by that
 * country's registrar is a rule of the log, enforced when the entry was logged and again
 * on every replay.
 */
export function checkCabAuthority(state: RegistryState, document: DocumentRecord): CheckReport {
  const code = document.body.issuer;
  const asOf = asOfEvidence(document);
  const cab = state.cabAt(code, document.index);
  if (cab === undefined) {
    return failed('cab-authority', 'NOT_AUTHORISED', `issuer CAB ${code} is not registered`, { ...asOf, cabCode: code });
  }
  if (!state.isParticipant(cab.country, document.index)) {
    return failed('cab-authority', 'NOT_AUTHORISED', `issuer CAB ${code} is of ${cab.country}, not a participant`, {
      ...asOf,
      cabCode: code,
      country: cab.country,
    });
  }
  const status = state.cabStatusAt(code, document.loggedAt, document.index);
  const evidence = {
    ...asOf,
    cabCode: code,
    country: cab.country,
    registeredIndex: state.cabHistory(code, document.index)[0]?.index ?? null,
    status: status.status,
    statusEffectiveAt: status.record === undefined ? null : formatUtcTime(status.record.effectiveAt),
    statusIndex: status.record?.index ?? null,
  };
  if (status.status !== 'active') {
    return failed(
      'cab-authority',
      'NOT_AUTHORISED',
      `issuer CAB ${code} was ${status.status} when the document was logged at ${asOf.loggedAt}`,
      evidence,
    );
  }
  return passed('cab-authority', `issuer CAB ${code} of ${cab.country} was active when the document was logged`, evidence);
}

/**
 * Check 2, accreditation: the issuer's accreditation under the standard the document type
 * needs was in force at the document's log time: active, and that date within its
 * validity.
 */
export function checkAccreditation(state: RegistryState, document: DocumentRecord): CheckReport {
  const code = document.body.issuer;
  const standard = requiredStandard(document.body.type);
  const status = state.accreditationStatusAt(code, standard, document.loggedAt, document.index);
  const evidence = {
    ...asOfEvidence(document),
    cabCode: code,
    documentType: document.body.type,
    standard,
    accreditationNumber: status.record?.number ?? null,
    accreditationIndex: status.record?.index ?? null,
    validFrom: status.record?.validFrom ?? null,
    validUntil: status.record?.validUntil ?? null,
    status: status.record?.status ?? null,
  };
  if (!status.valid) {
    const problem = status.problem ?? 'not_accredited';
    return failed(
      'accreditation',
      'NOT_ACCREDITED',
      `CAB ${code} has no ${standard} accreditation in force for a ${document.body.type} (${problem.replaceAll('_', ' ')})`,
      { ...evidence, problem },
    );
  }
  return passed('accreditation', `CAB ${code} was accredited to ${standard} (${status.record!.number})`, evidence);
}

/**
 * Check 3, scope: the scope of that accreditation covers every HS code of the product (by
 * prefix) and every regulation the document names. Without an accreditation under the
 * standard there is no scope, so nothing is covered.
 */
export function checkScope(state: RegistryState, document: DocumentRecord): CheckReport {
  const code = document.body.issuer;
  const standard = requiredStandard(document.body.type);
  const { hsCodes } = document.body.product;
  const { regulations } = document.body;
  const record = state.accreditationStatusAt(code, standard, document.loggedAt, document.index).record;
  const base = {
    ...asOfEvidence(document),
    cabCode: code,
    standard,
    hsCodes: hsCodes.join(' '),
    regulations: regulations.join('; '),
  };
  if (record === undefined) {
    return failed('scope', 'OUT_OF_SCOPE', `CAB ${code} has no ${standard} accreditation whose scope could cover the product`, base);
  }
  const coverage = scopeCovers(record.scope, hsCodes, regulations);
  const evidence = {
    ...base,
    accreditationIndex: record.index,
    uncoveredHsCodes: coverage.uncoveredHsCodes.join(' '),
    uncoveredRegulations: coverage.uncoveredRegulations.join('; '),
  };
  if (!coverage.covered) {
    const missing = [
      ...coverage.uncoveredHsCodes.map((hs) => `HS ${hs}`),
      ...coverage.uncoveredRegulations,
    ].join(', ');
    return failed('scope', 'OUT_OF_SCOPE', `the ${standard} scope of CAB ${code} does not cover ${missing}`, evidence);
  }
  return passed('scope', `the ${standard} scope of CAB ${code} covers the product and its regulations`, evidence);
}

function asOfEvidence(document: DocumentRecord): { documentSha256: string; documentIndex: number; loggedAt: string } {
  return { documentSha256: document.sha256, documentIndex: document.index, loggedAt: formatUtcTime(document.loggedAt) };
}
