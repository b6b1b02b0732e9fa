/**
 * String formats shared by the envelope and the body schemas. The patterns are the
 * published contract: schemas embed them, and the helpers here add the calendar checks
 * that a regular expression cannot make.
 */

/** ISO 3166-1 alpha-2 country code; whether it takes part is a rule, decided at evaluation. */
export const COUNTRY_PATTERN = '^[A-Z]{2}$';

/** Composite CAB code: country, accreditation body code, CAB number (`UZ-UZAC-0042`). */
export const CAB_CODE_PATTERN = '^[A-Z]{2}-[A-Z0-9]{2,12}-[0-9]{1,8}$';

/** Harmonized System code or code prefix: 2 to 10 digits. */
export const HS_CODE_PATTERN = '^[0-9]{2,10}$';

/** Lowercase hex SHA-256, as `sha256sum` prints it. */
export const SHA256_HEX_PATTERN = '^[0-9a-f]{64}$';

/** RFC 3339 UTC time with exactly three fraction digits (`2026-12-04T10:15:00.000Z`). */
export const UTC_TIME_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$';

/** Calendar date `YYYY-MM-DD`. */
export const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

/**
 * Actor names: `operator`, `registrar:CC`, or `authority:CC`, `cab:CC`, `witness:CC`,
 * each optionally with a suffix (`authority:UZ-customs`) so a country can have several.
 * The two letters after the colon are the actor's country.
 */
export const ACTOR_NAME_PATTERN =
  '^(operator|registrar:[A-Z]{2}|(authority|cab|witness):[A-Z]{2}(-[A-Za-z0-9]{1,32})?)$';

/**
 * Note verifier key of an Ed25519 (0x01) or cosignature (0x04) key: name, 8-hex key ID,
 * base64 of the type byte and the 32-byte public key (33 bytes, 44 characters).
 */
export const VKEY_PATTERN = '^[A-Za-z0-9:-]{1,48}\\+[0-9a-f]{8}\\+[A-Za-z0-9+/]{44}$';

/** Note key ID of the signer, 8 lowercase hex digits. */
export const KEY_ID_PATTERN = '^[0-9a-f]{8}$';

/** 16 bytes in base64url without padding. */
export const NONCE_PATTERN = '^[A-Za-z0-9_-]{22}$';

/** Standard base64 of a 64-byte Ed25519 signature. */
export const SIGNATURE_PATTERN = '^[A-Za-z0-9+/]{86}==$';

/** Standard base64 with padding, for DER certificates. */
export const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

const actorNameRegExp = new RegExp(ACTOR_NAME_PATTERN);
const utcTimeRegExp = new RegExp(UTC_TIME_PATTERN);
const dateRegExp = new RegExp(DATE_PATTERN);

/** Returns whether `name` is a well-formed actor name. */
export function isActorName(name: string): boolean {
  return actorNameRegExp.test(name);
}

/** Returns the country of an actor name, or undefined for `operator`. */
export function actorCountry(name: string): string | undefined {
  const colon = name.indexOf(':');
  return colon < 0 ? undefined : name.slice(colon + 1, colon + 3);
}

/** Returns the class of an actor name: the part before the colon (`registrar`, `authority`, …). */
export function actorClass(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

/** Returns the registrar's actor name of a country. */
export function registrarName(country: string): string {
  return `registrar:${country}`;
}

/**
 * Parses an RFC 3339 UTC time with milliseconds into epoch milliseconds, or returns
 * undefined when it does not match the pattern or names no real instant (Feb 30, 24:00).
 */
export function parseUtcTime(text: string): number | undefined {
  if (!utcTimeRegExp.test(text)) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse accepts some impossible values by rolling them over; the round trip catches them.
  return new Date(ms).toISOString() === text ? ms : undefined;
}

/** Returns whether `text` is a real calendar date `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  if (!dateRegExp.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00.000Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

/** Formats epoch milliseconds as RFC 3339 UTC with milliseconds. */
export function formatUtcTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Returns the UTC calendar date `YYYY-MM-DD` of epoch milliseconds. */
export function utcDateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
