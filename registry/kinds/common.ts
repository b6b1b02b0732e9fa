import {
  ACTOR_NAME_PATTERN,
  BASE64_PATTERN,
  CAB_CODE_PATTERN,
  COUNTRY_PATTERN,
  DATE_PATTERN,
  HS_CODE_PATTERN,
  SHA256_HEX_PATTERN,
  UTC_TIME_PATTERN,
  VKEY_PATTERN,
} from '../formats.js';

/** A JSON schema object as published; kept loose so schemas read as plain literals. */
export type JsonSchema = { readonly [keyword: string]: unknown };

export const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** Maximum size of a base64 DER certificate: 16 KiB of text, about 12 KiB of DER. */
export const MAX_CERTIFICATE_BASE64 = 16_384;

export const countrySchema = { type: 'string', pattern: COUNTRY_PATTERN } as const;
export const cabCodeSchema = { type: 'string', maxLength: 27, pattern: CAB_CODE_PATTERN } as const;
export const hsCodeSchema = { type: 'string', pattern: HS_CODE_PATTERN } as const;
export const sha256Schema = { type: 'string', pattern: SHA256_HEX_PATTERN } as const;
export const actorNameSchema = { type: 'string', maxLength: 48, pattern: ACTOR_NAME_PATTERN } as const;
export const vkeySchema = { type: 'string', maxLength: 120, pattern: VKEY_PATTERN } as const;
/** `format` is checked by the registry's own validator: a real instant, UTC, milliseconds. */
export const utcTimeSchema = { type: 'string', pattern: UTC_TIME_PATTERN, format: 'date-time' } as const;
export const dateSchema = { type: 'string', pattern: DATE_PATTERN, format: 'date' } as const;
export const certificateSchema = {
  type: 'string',
  minLength: 4,
  maxLength: MAX_CERTIFICATE_BASE64,
  pattern: BASE64_PATTERN,
} as const;
export const exchangeIdSchema = {
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$',
} as const;

/** Single-line text of 1 to `max` characters without control characters. */
export function text(max: number): JsonSchema {
  return { type: 'string', minLength: 1, maxLength: max, pattern: '^[^\\u0000-\\u001F\\u007F]*$' };
}

/** Free text of 1 to `max` characters; line breaks and tabs allowed, other controls not. */
export function multilineText(max: number): JsonSchema {
  return {
    type: 'string',
    minLength: 1,
    maxLength: max,
    pattern: '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$',
  };
}

/** Integer in [min, max]; every number in a record is an integer below 2^53. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): JsonSchema {
  return { type: 'integer', minimum: min, maximum: max };
}

/** Array of at most `max` distinct items. */
export function list(items: JsonSchema, max: number, min = 0): JsonSchema {
  return { type: 'array', items, minItems: min, maxItems: max, uniqueItems: true };
}

export function oneOfValues(values: readonly string[]): JsonSchema {
  return { type: 'string', enum: [...values] };
}

/** Closed object: the listed properties only, `required` among them. */
export function record(properties: Record<string, JsonSchema>, required: readonly string[]): JsonSchema {
  return { type: 'object', additionalProperties: false, properties, required: [...required] };
}

/** Top-level body schema of a kind, with its dialect and title. */
export function bodySchema(
  kind: string,
  description: string,
  properties: Record<string, JsonSchema>,
  required: readonly string[],
): JsonSchema {
  return { $schema: SCHEMA_DIALECT, title: kind, description, ...record(properties, required) };
}

/** RFC 5280 CRLReason names a revocation may give. */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** CAB and accreditation status values. */
export const STATUSES = ['active', 'suspended', 'withdrawn'] as const;
export type Status = (typeof STATUSES)[number];
