import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

import { RuleError } from './errors.js';
import { isCalendarDate, parseUtcTime } from './formats.js';
import { STANDARDS } from './kinds/accreditation.js';
import type { JsonSchema } from './kinds/common.js';
import { BODY_SCHEMAS, type BodyOfKind, type Kind } from './kinds/index.js';
import { CHECK_IDS, overallResult, type VerificationBody } from './kinds/verification.js';

/** The published body schemas, kind → JSON schema (draft 2020-12). */
export const schemas: Readonly<Record<Kind, JsonSchema>> = BODY_SCHEMAS;

const ajv = new Ajv2020({ strict: true, allErrors: false, validateFormats: true });
// Our own validators: stricter than ajv-formats (UTC with milliseconds, real calendar dates).
ajv.addFormat('date-time', { type: 'string', validate: (text: string) => parseUtcTime(text) !== undefined });
ajv.addFormat('date', { type: 'string', validate: isCalendarDate });

const validators = new Map<Kind, ValidateFunction>();

function validatorOf(kind: Kind): ValidateFunction {
  let validate = validators.get(kind);
  if (validate === undefined) {
    validate = ajv.compile(schemas[kind] as object);
    validators.set(kind, validate);
  }
  return validate;
}

/**
 * Checks a body against its kind's schema and the constraints a schema cannot state
 * (date order, each verification check once, a result matching the checks).
 * @throws RuleError `invalid_body` naming the JSON pointer and the failed keyword.
 */
export function validateBody<K extends Kind>(kind: K, body: unknown): BodyOfKind[K] {
  const validate = validatorOf(kind);
  if (!validate(body)) {
    const error = validate.errors![0]!;
    throw invalidBody(kind, error.instancePath, describe(error));
  }
  checkBodyConstraints(kind, body as BodyOfKind[K]);
  return body as BodyOfKind[K];
}

function describe(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') {
    return `unknown property ${JSON.stringify(error.params.additionalProperty)}`;
  }
  if (error.keyword === 'required') return `missing property ${JSON.stringify(error.params.missingProperty)}`;
  return `${error.keyword}: ${error.message ?? 'invalid'}`;
}

function invalidBody(kind: Kind, path: string, reason: string): RuleError {
  const at = path === '' ? 'body' : `body${path}`;
  return new RuleError('invalid_body', `${kind} ${at} is invalid: ${reason}`, { kind, path, reason });
}

function checkBodyConstraints(kind: Kind, body: BodyOfKind[Kind]): void {
  if (kind === 'accreditation.set') {
    const accreditation = body as BodyOfKind['accreditation.set'];
    if (accreditation.validUntil < accreditation.validFrom) {
      throw invalidBody(kind, '/validUntil', `validUntil ${accreditation.validUntil} is before validFrom ${accreditation.validFrom}`);
    }
    if (!STANDARDS.includes(accreditation.standard)) throw invalidBody(kind, '/standard', 'unknown standard');
  }
  if (kind === 'verification.record') checkVerification(body as VerificationBody);
  if (kind === 'cab.recode') {
    const recode = body as BodyOfKind['cab.recode'];
    if (recode.successor === recode.code) throw invalidBody(kind, '/successor', 'successor equals the code');
  }
  if (kind === 'exchange.send') {
    const send = body as BodyOfKind['exchange.send'];
    if (send.from === send.to) throw invalidBody(kind, '/to', `from and to are both ${send.to}`);
  }
}

function checkVerification(body: VerificationBody): void {
  const seen = new Set<string>();
  for (const check of body.checks) {
    if (seen.has(check.id)) throw invalidBody('verification.record', '/checks', `check ${check.id} appears twice`);
    seen.add(check.id);
  }
  for (const id of CHECK_IDS) {
    if (!seen.has(id)) throw invalidBody('verification.record', '/checks', `check ${id} is missing`);
  }
  const implied = overallResult(body.checks.map((check) => check.indication));
  if (implied !== body.result) {
    throw invalidBody('verification.record', '/result', `result ${body.result} contradicts the checks, which give ${implied}`);
  }
}
