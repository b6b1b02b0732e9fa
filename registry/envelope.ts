import { randomBytes } from 'node:crypto';

import { sha256 } from '../ledger/hash.js';
import { ed25519Sign, ed25519Verify, type PrivateKey } from '../ledger/note.js';
import { canonicalBytes, decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from './encoding.js';
import { RuleError } from './errors.js';
import {
  formatUtcTime,
  isActorName,
  KEY_ID_PATTERN,
  NONCE_PATTERN,
  parseUtcTime,
  SIGNATURE_PATTERN,
} from './formats.js';
import { parseStrictJson, parseStrictJsonWithForm } from './json.js';
import { verifyWithResults, type SignatureResults } from './signature-results.js';
import { isKind, type BodyOfKind, type Kind } from './kinds/index.js';
import { validateBody } from './schemas.js';

/** Envelope format version, the `v` field. */
export const ENVELOPE_VERSION = 1;

/** Domain separation prefix of the bytes an actor signs. */
export const SIGNATURE_CONTEXT = 'ecert-ledger/entry/v1\n';

/** Allowed distance between `signedAt` and `loggedAt`, either way: 5 minutes. */
export const FRESHNESS_WINDOW_MS = 5 * 60 * 1000;

/** Maximum leaf size in bytes, the entry-bundle limit of c2sp.org/tlog-tiles. */
export const MAX_LEAF_SIZE = 65_535;

const NONCE_SIZE = 16;
const CONTEXT_BYTES = new Uint8Array(Buffer.from(SIGNATURE_CONTEXT, 'utf8'));
const COMMA = 0x2c;

/** An envelope as its signer builds it, before `sig`. */
export interface UnsignedEnvelope<K extends Kind = Kind> {
  v: typeof ENVELOPE_VERSION;
  kind: K;
  body: BodyOfKind[K];
  actor: string;
  /** The signer's note key ID, 8 lowercase hex digits. */
  keyId: string;
  /** RFC 3339 UTC with milliseconds. */
  signedAt: string;
  /** 16 random bytes, base64url without padding. */
  nonce: string;
}

/** A signed envelope as submitted to the hub. */
export interface SignedEnvelope<K extends Kind = Kind> extends UnsignedEnvelope<K> {
  /** Standard base64 of the Ed25519 signature over {@link signingMessage}. */
  sig: string;
}

/** A signed envelope with the hub's integration time: the content of one leaf. */
export interface LoggedEnvelope<K extends Kind = Kind> extends SignedEnvelope<K> {
  /** Integration time, integer milliseconds since the Unix epoch. */
  loggedAt: number;
}

export interface SignOptions {
  /** Signing time in epoch milliseconds; defaults to now. */
  now?: number;
  /** The 16 nonce bytes; defaults to random ones. */
  nonce?: Uint8Array;
}

/** Formats a note key ID as the envelope's `keyId`. */
export function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

/**
 * Signs a record with an actor's Ed25519 key and returns the envelope to submit.
 * @throws RuleError when the result is not a valid envelope (bad body, actor name or key type).
 */
export function signEnvelope<K extends Kind>(
  record: { kind: K; body: BodyOfKind[K]; actor: string },
  key: PrivateKey,
  options: SignOptions = {},
): SignedEnvelope<K> {
  const nonce = options.nonce ?? new Uint8Array(randomBytes(NONCE_SIZE));
  if (nonce.length !== NONCE_SIZE) {
    throw new RuleError('invalid_nonce', `nonce has ${nonce.length} bytes, want ${NONCE_SIZE}`, { size: nonce.length });
  }
  const unsigned: UnsignedEnvelope<K> = {
    v: ENVELOPE_VERSION,
    kind: record.kind,
    body: record.body,
    actor: record.actor,
    keyId: formatKeyId(key.keyId),
    signedAt: formatUtcTime(options.now ?? Date.now()),
    nonce: encodeBase64Url(nonce),
  };
  const sig = encodeBase64(ed25519Sign(key.seed, signingMessage(unsigned)));
  return validateEnvelope({ ...unsigned, sig }) as SignedEnvelope<K>;
}

/** Returns the bytes an actor signs: the context line, then the canonical envelope without `sig` and `loggedAt`. */
export function signingMessage(envelope: UnsignedEnvelope): Uint8Array {
  const { v, kind, body, actor, keyId, signedAt, nonce } = envelope;
  const json = canonicalBytes({ v, kind, body, actor, keyId, signedAt, nonce });
  const message = new Uint8Array(SIGNATURE_CONTEXT.length + json.length);
  message.set(Buffer.from(SIGNATURE_CONTEXT, 'utf8'));
  message.set(json, SIGNATURE_CONTEXT.length);
  return message;
}

/**
 * Checks the envelope's `sig` against an Ed25519 public key; false for any mismatch. A result in
 * `results` is used only when it was stored for this exact message, signature and key.
 */
export function verifyEnvelopeSignature(envelope: SignedEnvelope, publicKey: Uint8Array, results?: SignatureResults): boolean {
  let signature: Uint8Array;
  try {
    signature = decodeBase64(envelope.sig, 'sig');
  } catch {
    return false;
  }
  const message = boundMessages.get(envelope) ?? signingMessage(envelope);
  if (results === undefined) return ed25519Verify(publicKey, message, signature);
  return verifyWithResults(results, message, signature, publicKey);
}

/** Signing messages given to {@link bindSigningMessage}, by envelope object. */
const boundMessages = new WeakMap<SignedEnvelope, Uint8Array>();

/**
 * Binds `message` as the signing message of `envelope`, so that {@link verifyEnvelopeSignature}
 * uses it instead of serialising the envelope again. The caller vouches that it equals
 * `signingMessage(envelope)`, as when one worker made both from the same leaf with
 * {@link decodeLeaf} and {@link signingMessageOfLeaf}. This function freezes the envelope and its
 * body, so the bound message cannot go stale. Returns false, and binds nothing, when the message
 * does not start with the context and actor and end with the nonce, signedAt and v of `envelope`.
 * That check catches a message of another entry, because an actor's nonces do not repeat in a log.
 */
export function bindSigningMessage(envelope: SignedEnvelope, message: Uint8Array): boolean {
  const head = Buffer.from(`${SIGNATURE_CONTEXT}{"actor":${JSON.stringify(envelope.actor)},`, 'utf8');
  const tail = Buffer.from(
    `"nonce":${JSON.stringify(envelope.nonce)},"signedAt":${JSON.stringify(envelope.signedAt)},"v":${JSON.stringify(envelope.v)}}`,
    'utf8',
  );
  const bytes = Buffer.from(message.buffer, message.byteOffset, message.length);
  if (bytes.length < head.length + tail.length) return false;
  if (!bytes.subarray(0, head.length).equals(head) || !bytes.subarray(bytes.length - tail.length).equals(tail)) return false;
  deepFreeze(envelope);
  boundMessages.set(envelope, message);
  return true;
}

/** Freezes a JSON value and everything in it; a decoded leaf has no cycles and bounded depth. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  Object.freeze(value);
  for (const member of Object.values(value)) deepFreeze(member);
}

/**
 * Returns the deduplication key: SHA-256 of the canonical envelope without `loggedAt`.
 * A client's retry of the same signed envelope has the same key.
 */
export function envelopeDedupKey(envelope: SignedEnvelope): Uint8Array {
  return sha256(canonicalBytes(withoutLoggedAt(envelope)));
}

/**
 * Encodes a leaf: the canonical JSON of the envelope with `loggedAt`.
 * @throws RuleError `invalid_logged_at` or `leaf_too_large` (over 65,535 bytes).
 */
export function encodeLeaf(envelope: SignedEnvelope, loggedAt: number): Uint8Array {
  checkLoggedAt(loggedAt);
  const leaf = canonicalBytes({ ...withoutLoggedAt(envelope), loggedAt });
  if (leaf.length > MAX_LEAF_SIZE) {
    throw new RuleError('leaf_too_large', `entry is ${leaf.length} bytes, maximum ${MAX_LEAF_SIZE}`, {
      size: leaf.length,
      maxSize: MAX_LEAF_SIZE,
    });
  }
  return leaf;
}

/**
 * Decodes a leaf strictly: valid JSON within bounds, a valid envelope with `loggedAt`, and
 * byte-for-byte canonical, so that one entry has exactly one encoding. The signature is not
 * checked here: that needs the signer's key from the state.
 * @throws RuleError with the code of the first problem, `non_canonical_leaf` last.
 */
export function decodeLeaf(leaf: Uint8Array): LoggedEnvelope {
  // The parser checks the canonical form in its one pass over the text. The result equals
  // comparing the leaf with encodeLeaf of the parsed value, which serialises it a second time.
  const { value, isCanonical } = parseStrictJsonWithForm(leaf, { maxBytes: MAX_LEAF_SIZE });
  const envelope = checkEnvelope(value, true) as LoggedEnvelope;
  if (!isCanonical) {
    throw new RuleError('non_canonical_leaf', 'entry is not in RFC 8785 canonical form', { size: leaf.length });
  }
  return envelope;
}

/**
 * Returns {@link signingMessage} of a decoded leaf by cutting the members `loggedAt` and `sig`
 * out of the leaf's bytes, which costs less than serialising the envelope again. RFC 8785 sorts
 * the members, so the leaf ends with `"loggedAt":…,"nonce":…,"sig":…,"signedAt":…,"v":1}` and the
 * signed JSON is everything before `"loggedAt"` followed by the nonce, signedAt and v members.
 * `leaf` must be the canonical leaf of `envelope`, as {@link decodeLeaf} checks.
 * @throws RuleError `non_canonical_leaf` when the leaf does not end with those members of `envelope`.
 */
export function signingMessageOfLeaf(leaf: Uint8Array, envelope: LoggedEnvelope): Uint8Array {
  const signedTail = `"nonce":${JSON.stringify(envelope.nonce)},"signedAt":${JSON.stringify(envelope.signedAt)},"v":${JSON.stringify(envelope.v)}}`;
  const cutTail =
    `"loggedAt":${JSON.stringify(envelope.loggedAt)},"nonce":${JSON.stringify(envelope.nonce)},` +
    `"sig":${JSON.stringify(envelope.sig)},"signedAt":${JSON.stringify(envelope.signedAt)},"v":${JSON.stringify(envelope.v)}}`;
  const cutBytes = Buffer.from(cutTail, 'utf8');
  const prefixSize = leaf.length - cutBytes.length;
  const leafBytes = Buffer.from(leaf.buffer, leaf.byteOffset, leaf.length);
  if (prefixSize < 1 || !leafBytes.subarray(prefixSize).equals(cutBytes) || leafBytes[prefixSize - 1] !== COMMA) {
    throw new RuleError(
      'non_canonical_leaf',
      'entry is not the canonical leaf of its envelope: it does not end with the envelope\'s loggedAt, nonce, sig, signedAt and v',
      { size: leaf.length },
    );
  }
  const signedTailBytes = Buffer.from(signedTail, 'utf8');
  const message = new Uint8Array(CONTEXT_BYTES.length + prefixSize + signedTailBytes.length);
  message.set(CONTEXT_BYTES);
  message.set(leafBytes.subarray(0, prefixSize), CONTEXT_BYTES.length);
  message.set(signedTailBytes, CONTEXT_BYTES.length + prefixSize);
  return message;
}

/**
 * Validates an untrusted value as a submitted envelope: exactly the fields of a signed
 * envelope (no `loggedAt`), each well formed, and a body valid for its kind.
 * @throws RuleError `invalid_envelope`, `unsupported_version`, `unknown_kind`, `invalid_actor`,
 *   `invalid_key_id`, `invalid_signed_at`, `invalid_nonce`, `invalid_signature_encoding` or
 *   `invalid_body`.
 */
export function validateEnvelope(value: unknown): SignedEnvelope {
  return checkEnvelope(value, false);
}

/** Parses a submission's JSON text strictly and validates it as an envelope. */
export function parseEnvelope(input: string | Uint8Array): SignedEnvelope {
  return validateEnvelope(parseStrictJson(input, { maxBytes: MAX_LEAF_SIZE }));
}

/**
 * Checks that `signedAt` is within ±5 minutes of `loggedAt`.
 * @throws RuleError `stale_signature` with the skew in milliseconds, or `invalid_signed_at`.
 */
export function checkFreshness(signedAt: string, loggedAt: number): void {
  const signedMs = parseUtcTime(signedAt);
  if (signedMs === undefined) {
    throw new RuleError('invalid_signed_at', `signedAt ${JSON.stringify(signedAt)} is not RFC 3339 UTC with milliseconds`, {
      signedAt,
    });
  }
  const skewMs = signedMs - loggedAt;
  if (Math.abs(skewMs) > FRESHNESS_WINDOW_MS) {
    throw new RuleError(
      'stale_signature',
      `signedAt ${signedAt} is ${Math.abs(skewMs)} ms ${skewMs < 0 ? 'before' : 'after'} the log time ${formatUtcTime(loggedAt)}, maximum ${FRESHNESS_WINDOW_MS} ms`,
      { signedAt, loggedAt, skewMs, maxSkewMs: FRESHNESS_WINDOW_MS },
    );
  }
}

const SIGNED_FIELDS = ['v', 'kind', 'body', 'actor', 'keyId', 'signedAt', 'nonce', 'sig'] as const;
const keyIdRegExp = new RegExp(KEY_ID_PATTERN);
const nonceRegExp = new RegExp(NONCE_PATTERN);
const signatureRegExp = new RegExp(SIGNATURE_PATTERN);

function checkEnvelope(value: unknown, logged: boolean): SignedEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RuleError('invalid_envelope', 'envelope is not a JSON object', {});
  }
  const fields = value as Record<string, unknown>;
  const allowed = logged ? [...SIGNED_FIELDS, 'loggedAt'] : SIGNED_FIELDS;
  for (const name of Object.keys(fields)) {
    if (!(allowed as readonly string[]).includes(name)) {
      throw new RuleError('invalid_envelope', `envelope has an unknown field ${JSON.stringify(name)}`, { field: name });
    }
  }
  for (const name of allowed) {
    if (!Object.hasOwn(fields, name)) {
      throw new RuleError('invalid_envelope', `envelope is missing the field ${name}`, { field: name });
    }
  }
  checkHeaderFields(fields);
  if (logged) checkLoggedAt(fields.loggedAt);
  validateBody(fields.kind as Kind, fields.body);
  return fields as unknown as SignedEnvelope;
}

function checkHeaderFields(fields: Record<string, unknown>): void {
  const { v, kind, actor, keyId, signedAt, nonce, sig } = fields;
  if (v !== ENVELOPE_VERSION) {
    throw new RuleError('unsupported_version', `envelope version ${JSON.stringify(v)} is not supported, want 1`, {
      field: 'v',
    });
  }
  if (!isKind(kind)) {
    throw new RuleError('unknown_kind', `kind ${shown(kind)} is not a known entry kind`, { field: 'kind', value: shown(kind) });
  }
  if (typeof actor !== 'string' || !isActorName(actor)) {
    throw new RuleError('invalid_actor', `actor ${shown(actor)} is not a valid actor name`, { field: 'actor', value: shown(actor) });
  }
  if (typeof keyId !== 'string' || !keyIdRegExp.test(keyId)) {
    throw new RuleError('invalid_key_id', `keyId ${shown(keyId)} is not 8 lowercase hex digits`, { field: 'keyId', value: shown(keyId) });
  }
  if (typeof signedAt !== 'string' || parseUtcTime(signedAt) === undefined) {
    throw new RuleError('invalid_signed_at', `signedAt ${shown(signedAt)} is not RFC 3339 UTC with milliseconds`, {
      field: 'signedAt',
      value: shown(signedAt),
    });
  }
  if (typeof nonce !== 'string' || !nonceRegExp.test(nonce) || !isCanonical(() => decodeBase64Url(nonce, 'nonce'))) {
    throw new RuleError('invalid_nonce', `nonce ${shown(nonce)} is not 16 bytes of base64url without padding`, {
      field: 'nonce',
      value: shown(nonce),
    });
  }
  if (typeof sig !== 'string' || !signatureRegExp.test(sig) || !isCanonical(() => decodeBase64(sig, 'sig'))) {
    throw new RuleError('invalid_signature_encoding', 'sig is not standard base64 of 64 bytes', { field: 'sig' });
  }
}

function checkLoggedAt(loggedAt: unknown): asserts loggedAt is number {
  if (typeof loggedAt !== 'number' || !Number.isSafeInteger(loggedAt) || loggedAt < 0) {
    throw new RuleError('invalid_logged_at', `loggedAt ${shown(loggedAt)} is not a non-negative integer of milliseconds`, {
      field: 'loggedAt',
      value: shown(loggedAt),
    });
  }
}

function isCanonical(decode: () => Uint8Array): boolean {
  try {
    decode();
    return true;
  } catch {
    return false;
  }
}

function withoutLoggedAt(envelope: SignedEnvelope): SignedEnvelope {
  const { v, kind, body, actor, keyId, signedAt, nonce, sig } = envelope;
  return { v, kind, body, actor, keyId, signedAt, nonce, sig };
}

/** A short, printable rendering of an untrusted value for messages. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? typeof value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
