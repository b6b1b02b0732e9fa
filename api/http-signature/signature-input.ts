/**
 * Selects the `ecert` signature from a request's `Signature-Input` and `Signature` fields
 * (RFC 9421 §4) and checks it against the hub's profile before any cryptography runs: exactly
 * one member with that label in each field, the covered components in order, and the
 * parameters created, nonce, keyid, alg="ed25519" and an optional expires. Both field values
 * are attacker-controlled.
 */
import {
  isInnerList,
  parseDictionary,
  serializeDictionary,
  type Dictionary,
  type InnerList,
  type Item,
} from 'structured-headers';

import { ApiError } from '../errors.js';
import {
  COVERED_COMPONENTS,
  NONCE_PATTERN,
  parseRequestKeyId,
  quoteForMessage,
  REQUIRED_PARAMETERS,
  SIGNATURE_ALGORITHM,
  SIGNATURE_LABEL,
} from './profile.js';

/** Maximum length of a `Signature-Input` or `Signature` value; one `ecert` signature needs about 250 characters. */
export const MAX_SIGNATURE_FIELD_LENGTH = 8192;

/** Maximum number of members (labels) accepted in either field. */
export const MAX_SIGNATURE_MEMBERS = 8;

const ED25519_SIGNATURE_SIZE = 64;
const ALLOWED_PARAMETERS = new Set<string>([...REQUIRED_PARAMETERS, 'expires']);
const EXPECTED_COMPONENTS = COVERED_COMPONENTS.map((name) => JSON.stringify(name)).join(' ');

/** The `ecert` signature of a request, checked for form only. */
export interface SelectedSignature {
  /** `Signature-Input` reduced to the `ecert` member, serialised again. */
  signatureInput: string;
  /** `Signature` reduced to the `ecert` member, serialised again. */
  signature: string;
  /** Unix seconds. */
  created: number;
  /** Unix seconds, when the signer set it. */
  expires?: number;
  nonce: string;
  keyid: string;
  actor: string;
  keyId: number;
}

/**
 * Selects and checks the `ecert` signature. Throws ApiError 401 `signature_missing` when no
 * member of either field has that label, and `signature_invalid` for anything malformed.
 */
export function selectSignature(signatureInputField: string | undefined, signatureField: string | undefined): SelectedSignature {
  if (signatureInputField === undefined && signatureField === undefined) {
    throw new ApiError(
      401,
      'signature_missing',
      `the request has no Signature-Input or Signature header; sign it under RFC 9421 with the label ${SIGNATURE_LABEL}`,
    );
  }
  const inputs = parseField('Signature-Input', signatureInputField);
  const signatures = parseField('Signature', signatureField);
  const input = inputs.get(SIGNATURE_LABEL);
  const signature = signatures.get(SIGNATURE_LABEL);
  if (input === undefined && signature === undefined) {
    const labels = [...new Set([...inputs.keys(), ...signatures.keys()])].join(', ');
    throw new ApiError(
      401,
      'signature_missing',
      `the request has no signature labelled ${SIGNATURE_LABEL} (labels found: ${quoteForMessage(labels)}); sign it under RFC 9421 with that label`,
    );
  }
  if (input === undefined || signature === undefined) {
    const [present, absent] = input === undefined ? ['Signature', 'Signature-Input'] : ['Signature-Input', 'Signature'];
    throw invalid(`${present} has a member labelled ${SIGNATURE_LABEL} but ${absent} has none; send both`);
  }
  // parseDictionary keeps the last of repeated keys, so count them on the raw text.
  checkSingleMember('Signature-Input', signatureInputField!);
  checkSingleMember('Signature', signatureField!);

  if (!isInnerList(input)) {
    throw invalid(`Signature-Input member ${SIGNATURE_LABEL} is not an inner list of components`);
  }
  checkComponents(input);
  const parameters = readParameters(input);
  checkSignatureValue(signature);

  return {
    signatureInput: serializeDictionary(new Map([[SIGNATURE_LABEL, input]])),
    signature: serializeDictionary(new Map([[SIGNATURE_LABEL, signature]])),
    ...parameters,
  };
}

function parseField(name: string, value: string | undefined): Dictionary {
  if (value === undefined) return new Map();
  if (value.length > MAX_SIGNATURE_FIELD_LENGTH) {
    throw invalid(`${name} has ${value.length} characters, max ${MAX_SIGNATURE_FIELD_LENGTH}`);
  }
  let dictionary: Dictionary;
  try {
    dictionary = parseDictionary(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalid(`${name} ${quoteForMessage(value)} is not a structured-field dictionary (${reason})`);
  }
  if (dictionary.size > MAX_SIGNATURE_MEMBERS) {
    throw invalid(`${name} has ${dictionary.size} members, max ${MAX_SIGNATURE_MEMBERS}`);
  }
  return dictionary;
}

function checkSingleMember(name: string, value: string): void {
  const count = memberKeys(value).filter((key) => key === SIGNATURE_LABEL).length;
  if (count > 1) {
    throw invalid(`${name} has ${count} members labelled ${SIGNATURE_LABEL}; send exactly one`);
  }
}

/**
 * Returns the key of each top-level member of a dictionary that parseDictionary accepted. Commas
 * separate members except inside strings, display strings and inner lists, so those are skipped.
 */
function memberKeys(text: string): string[] {
  const keys: string[] = [];
  let start = 0;
  let depth = 0;
  let quote: 'string' | 'display' | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote !== undefined) {
      // Only sf-strings have backslash escapes; display strings percent-encode instead.
      if (quote === 'string' && char === '\\') i++;
      else if (char === '"') quote = undefined;
      continue;
    }
    if (char === '"') quote = text[i - 1] === '%' ? 'display' : 'string';
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === ',' && depth === 0) {
      keys.push(leadingKey(text.slice(start, i)));
      start = i + 1;
    }
  }
  keys.push(leadingKey(text.slice(start)));
  return keys;
}

function leadingKey(member: string): string {
  return /^\s*([a-z*][a-z0-9_.*-]*)/.exec(member)?.[1] ?? '';
}

function checkComponents(input: InnerList): void {
  const [items] = input;
  const names = items.map(([value]) => (typeof value === 'string' ? value : undefined));
  const exact =
    items.length === COVERED_COMPONENTS.length &&
    items.every(([, parameters], i) => parameters.size === 0 && names[i] === COVERED_COMPONENTS[i]);
  if (!exact) {
    const listed = items.map(([value, parameters]) => describeComponent(value, parameters.size)).join(' ');
    throw invalid(`signature ${SIGNATURE_LABEL} covers (${listed}); want exactly (${EXPECTED_COMPONENTS}) in this order`);
  }
}

function describeComponent(value: Item[0], parameterCount: number): string {
  const name = typeof value === 'string' ? JSON.stringify(value) : `<${typeof value}>`;
  return parameterCount === 0 ? name : `${name};<${parameterCount} parameters>`;
}

function readParameters(input: InnerList): Omit<SelectedSignature, 'signatureInput' | 'signature'> {
  const parameters = input[1];
  for (const name of parameters.keys()) {
    if (!ALLOWED_PARAMETERS.has(name)) {
      throw invalid(`signature parameter ${quoteForMessage(name)} is not accepted; send only ${[...ALLOWED_PARAMETERS].join(', ')}`);
    }
  }
  for (const name of REQUIRED_PARAMETERS) {
    if (!parameters.has(name)) throw invalid(`signature ${SIGNATURE_LABEL} has no ${name} parameter`);
  }
  const created = readSeconds('created', parameters.get('created'));
  const expires = parameters.has('expires') ? readSeconds('expires', parameters.get('expires')) : undefined;

  const alg = parameters.get('alg');
  if (alg !== SIGNATURE_ALGORITHM) {
    throw invalid(`signature alg is ${describeValue(alg)}, want "${SIGNATURE_ALGORITHM}"`);
  }
  const nonce = parameters.get('nonce');
  if (typeof nonce !== 'string' || !NONCE_PATTERN.test(nonce)) {
    throw invalid(`signature nonce ${describeValue(nonce)} is invalid; want a string of 16 to 64 characters of [A-Za-z0-9_-]`);
  }
  const keyid = parameters.get('keyid');
  if (typeof keyid !== 'string') {
    throw invalid(`signature keyid is ${describeValue(keyid)}, want a string <actor>+<8 hex digits>`);
  }
  const { actor, keyId } = parseRequestKeyId(keyid);
  return expires === undefined ? { created, nonce, keyid, actor, keyId } : { created, expires, nonce, keyid, actor, keyId };
}

function readSeconds(name: string, value: unknown): number {
  // Structured-field integers have at most 15 digits, so a safe integer represents any of them exactly.
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`signature ${name} is ${describeValue(value)}, want a non-negative integer of Unix seconds`);
  }
  return value;
}

function checkSignatureValue(signature: Item | InnerList): void {
  const value = isInnerList(signature) ? undefined : signature[0];
  if (!(value instanceof ArrayBuffer) || value.byteLength !== ED25519_SIGNATURE_SIZE) {
    throw invalid(`Signature member ${SIGNATURE_LABEL} is not a byte sequence of ${ED25519_SIGNATURE_SIZE} bytes (an Ed25519 signature)`);
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return quoteForMessage(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined ? 'missing' : `a ${value?.constructor?.name ?? typeof value}`;
}

function invalid(message: string): ApiError {
  return new ApiError(401, 'signature_invalid', message);
}
