import { parseUtcTime } from '../formats.js';
import { accreditationKey, type CabRecord } from '../records.js';
import { cabCountry, provenance, reject, requireSignerCountry, type RuleContext } from './context.js';

/** Registers a CAB under a new code of the registrar's country. */
export function applyCabRegister(context: RuleContext<'cab.register'>): void {
  const { body, state } = context;
  requireSignerCountry(context, cabCountry(body.code), `CAB ${body.code}`);
  const existing = state.cabAt(body.code);
  if (existing !== undefined) {
    reject('cab_exists', `CAB ${body.code} is already registered at index ${existing.index}`, { code: body.code });
  }
  writeCab(context, { code: body.code, name: body.name, type: body.type, status: body.status, effectiveAt: body.effectiveAt });
}

/** Replaces a CAB's name, type and status; the status counts from its effective time. */
export function applyCabUpdate(context: RuleContext<'cab.update'>): void {
  const { body } = context;
  const existing = requireCab(context, body.code);
  writeCab(context, { ...body }, existing);
}

/**
 * Moves a CAB to a new code of the same country: the successor gets the CAB's record and
 * the old code becomes withdrawn with `successor`, both from `effectiveAt`. Keys and
 * accreditations stay with the old code; the registrar registers them for the new one.
 */
export function applyCabRecode(context: RuleContext<'cab.recode'>): void {
  const { body, state } = context;
  const existing = requireCab(context, body.code);
  requireSignerCountry(context, cabCountry(body.successor), `CAB ${body.successor}`);
  if (state.cabAt(body.successor) !== undefined) {
    reject('cab_exists', `successor CAB ${body.successor} is already registered`, { code: body.successor });
  }
  const effectiveAt = parseUtcTime(body.effectiveAt)!;
  const at = provenance(context);
  context.writes.push({
    table: 'cab',
    key: body.code,
    value: { ...existing, status: 'withdrawn', effectiveAt, successor: body.successor, ...at },
  });
  const successor: CabRecord = {
    code: body.successor,
    country: existing.country,
    name: existing.name,
    type: existing.type,
    status: existing.status,
    effectiveAt,
    predecessor: body.code,
    ...at,
  };
  context.writes.push({ table: 'cab', key: body.successor, value: successor });
}

/** Sets a CAB's accreditation under one standard, replacing the previous version. */
export function applyAccreditationSet(context: RuleContext<'accreditation.set'>): void {
  const { body } = context;
  requireCab(context, body.cabCode);
  context.writes.push({
    table: 'accreditation',
    key: accreditationKey(body.cabCode, body.standard),
    value: { ...body, effectiveAtMs: parseUtcTime(body.effectiveAt)!, ...provenance(context) },
  });
}

/**
 * Returns the CAB record, after checking the signer is its country's registrar.
 * @throws RuleError `wrong_country` or `unknown_cab`.
 */
export function requireCab(context: RuleContext, code: string): CabRecord {
  requireSignerCountry(context, cabCountry(code), `CAB ${code}`);
  const record = context.state.cabAt(code);
  if (record === undefined) reject('unknown_cab', `CAB ${code} is not registered`, { code });
  return record;
}

function writeCab(
  context: RuleContext,
  fields: Pick<CabRecord, 'code' | 'name' | 'type' | 'status'> & { effectiveAt: string },
  previous?: CabRecord,
): void {
  const value: CabRecord = {
    code: fields.code,
    country: cabCountry(fields.code),
    name: fields.name,
    type: fields.type,
    status: fields.status,
    effectiveAt: parseUtcTime(fields.effectiveAt)!,
    ...provenance(context),
  };
  if (previous?.successor !== undefined) value.successor = previous.successor;
  if (previous?.predecessor !== undefined) value.predecessor = previous.predecessor;
  context.writes.push({ table: 'cab', key: fields.code, value });
}
