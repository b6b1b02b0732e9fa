/**
 * Signed notes (c2sp.org/signed-note), their keys, and Ed25519 cosignatures
 * (c2sp.org/tlog-cosignature, type 0x04).
 *
 * A note is text lines, an empty line, then signature lines "— <name> <base64(keyId || sig)>".
 * A key is identified by the pair (name, key ID); the ID is the first 4 bytes of
 * SHA-256(name || "\n" || type || publicKey), read as a big-endian uint32.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { NoteError } from './errors.js';
import { sha256 } from './hash.js';

export const SIG_TYPE_ED25519 = 0x01;
export const SIG_TYPE_COSIGNATURE = 0x04;

const ED25519_KEY_SIZE = 32;
const ED25519_SIG_SIZE = 64;
const TIMESTAMP_SIZE = 8;
const SIG_PREFIX = '— ';
// Go's x/mod/sumdb/note rejects notes with more than 100 signatures; the spec requires at least 16.
const MAX_SIGNATURES = 100;
// A checkpoint with 100 cosignatures is about 15 KB; the bound only stops hostile input early.
const MAX_NOTE_SIZE = 1 << 20;

export interface VerifierKey {
  name: string;
  keyId: number;
  type: number;
  publicKey: Uint8Array;
  vkey: string;
}

export interface PrivateKey {
  name: string;
  keyId: number;
  type: number;
  seed: Uint8Array;
  publicKey: Uint8Array;
}

export interface NoteSigner {
  name: string;
  keyId: number;
  /** Returns the signature bytes, without the key ID. */
  sign(text: Uint8Array): Uint8Array;
}

export interface NoteVerifier {
  name: string;
  keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/** One signature line: `signature` excludes the 4-byte key ID. */
export interface NoteSignature {
  name: string;
  keyId: number;
  signature: Uint8Array;
}

export interface SignedNote {
  text: string;
  signatures: NoteSignature[];
}

// ---------------------------------------------------------------------------------------------
// Base64 and names

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard base64 with padding (RFC 4648 §4) and returns undefined unless the text is
 * the canonical encoding: Buffer.from alone would skip invalid characters and unused bits.
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return undefined;
  return new Uint8Array(bytes);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Checks whether a key name is valid: non-empty, well-formed, no whitespace, no '+', no control characters. */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !name.includes('+') &&
    !/[\s\p{Cc}\p{Cs}]/u.test(name)
  );
}

function checkKeyName(name: string, code: string): void {
  if (!isValidKeyName(name)) {
    // The text may be a secret pasted in the wrong place (a private key file), so only a short,
    // single-line name is echoed.
    const shown = name.length <= 64 && !/\s/u.test(name) ? JSON.stringify(name) : `of ${name.length} characters`;
    throw new NoteError(code, `key name ${shown} is invalid: want non-empty, no spaces, no '+'`);
  }
}

function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

function keyIdBytes(keyId: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, keyId);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Ed25519 over node:crypto

// DER prefixes of PKCS #8 and SPKI Ed25519 keys (RFC 8410); the raw 32 bytes follow.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function privateKeyObject(seed: Uint8Array): KeyObject {
  if (seed.length !== ED25519_KEY_SIZE) {
    throw new NoteError('invalid_private_key', `Ed25519 seed has ${seed.length} bytes, want ${ED25519_KEY_SIZE}`);
  }
  let key = privateKeyObjects.get(seed);
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    privateKeyObjects.set(seed, key);
  }
  return key;
}

function publicKeyObject(publicKey: Uint8Array): KeyObject | undefined {
  if (publicKey.length !== ED25519_KEY_SIZE) return undefined;
  let key = publicKeyObjects.get(publicKey);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
    } catch {
      return undefined;
    }
    publicKeyObjects.set(publicKey, key);
  }
  return key;
}

// Importing a raw key into node:crypto costs several times an Ed25519 signature, so the KeyObject
// of each key array is kept for as long as that array lives. The caches are keyed by the array
// object, so a caller that changes the bytes of an array it passed before gets a stale key.
const privateKeyObjects = new WeakMap<Uint8Array, KeyObject>();
const publicKeyObjects = new WeakMap<Uint8Array, KeyObject>();

/** Derives the Ed25519 public key of a 32-byte seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_ED25519_PREFIX.length));
}

/** Signs `message` with the Ed25519 key of `seed` (RFC 8032); returns 64 bytes. */
export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyObject(seed)));
}

/** Checks an Ed25519 signature; false for a malformed key or signature. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = publicKeyObject(publicKey);
  return key !== undefined && verifyWith(key, message, signature);
}

function verifyWith(key: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== ED25519_SIG_SIZE) return false;
  try {
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Keys

/** Computes the recommended key ID: SHA-256(name || "\n" || type || publicKey)[:4], big-endian. */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const digest = sha256(Buffer.from(`${name}\n`, 'utf8'), new Uint8Array([type]), publicKey);
  return new DataView(digest.buffer, digest.byteOffset).getUint32(0);
}

function checkKeyType(type: number, code: string): void {
  if (type !== SIG_TYPE_ED25519 && type !== SIG_TYPE_COSIGNATURE) {
    const shown = typeof type === 'number' ? `0x${type.toString(16).padStart(2, '0')}` : String(type);
    throw new NoteError(code, `key type ${shown} is not supported; want 0x01 (Ed25519) or 0x04 (cosignature/v1)`);
  }
}

/** Formats a verifier key, "<name>+<hex key ID>+<base64(type || publicKey)>". */
export function formatVerifierKey(name: string, type: number, publicKey: Uint8Array): string {
  checkKeyName(name, 'invalid_vkey');
  checkKeyType(type, 'invalid_vkey');
  if (publicKey.length !== ED25519_KEY_SIZE) {
    throw new NoteError('invalid_vkey', `public key has ${publicKey.length} bytes, want ${ED25519_KEY_SIZE}`);
  }
  const keyId = computeKeyId(name, type, publicKey);
  return `${name}+${formatKeyId(keyId)}+${encodeBase64(new Uint8Array([type, ...publicKey]))}`;
}

/** Splits "<name>+<hexid>+<base64>" at the first two '+' only, since base64 may contain '+'. */
function splitKey(text: string, code: string, what: string): { name: string; keyId: number; body: Uint8Array } {
  const invalid = (why: string): NoteError => new NoteError(code, `${what} is invalid: ${why}`);
  if (typeof text !== 'string' || text.length > 1024) throw invalid('want a string of at most 1024 characters');
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (second < 0) throw invalid("want <name>+<hex key ID>+<base64 key>");
  const name = text.slice(0, first);
  const hexId = text.slice(first + 1, second);
  checkKeyName(name, code);
  if (!/^[0-9a-f]{8}$/.test(hexId)) throw invalid(`key ID ${JSON.stringify(hexId)} is not 8 lowercase hex digits`);
  const body = decodeBase64Strict(text.slice(second + 1));
  if (body === undefined || body.length === 0) throw invalid('key is not canonical padded base64');
  return { name, keyId: Number.parseInt(hexId, 16), body };
}

/** Parses a verifier key string. Throws NoteError `invalid_vkey`, also when the key ID does not match. */
export function parseVerifierKey(vkey: string): VerifierKey {
  const { name, keyId, body } = splitKey(vkey, 'invalid_vkey', 'verifier key');
  const type = body[0]!;
  checkKeyType(type, 'invalid_vkey');
  const publicKey = body.slice(1);
  if (publicKey.length !== ED25519_KEY_SIZE) {
    throw new NoteError('invalid_vkey', `verifier key ${name} has ${publicKey.length} key bytes, want ${ED25519_KEY_SIZE}`);
  }
  const computed = computeKeyId(name, type, publicKey);
  if (computed !== keyId) {
    throw new NoteError(
      'invalid_vkey',
      `verifier key ${name} has key ID ${formatKeyId(keyId)}, but its key gives ${formatKeyId(computed)}`,
    );
  }
  return { name, keyId, type, publicKey, vkey };
}

/** Generates a private key with a random seed; `type` is 0x01 (default) or 0x04. */
export function generatePrivateKey(name: string, type: number = SIG_TYPE_ED25519): PrivateKey {
  checkKeyName(name, 'invalid_private_key');
  checkKeyType(type, 'invalid_private_key');
  const seed = new Uint8Array(randomBytes(ED25519_KEY_SIZE));
  const publicKey = ed25519PublicKey(seed);
  return { name, keyId: computeKeyId(name, type, publicKey), type, seed, publicKey };
}

const PRIVATE_KEY_PREFIX = 'PRIVATE+KEY+';

/** Parses Go's note private-key format, "PRIVATE+KEY+<name>+<hexid>+<base64(type || seed)>". */
export function parsePrivateKey(text: string): PrivateKey {
  const trimmed = typeof text === 'string' ? text.replace(/\n$/, '') : text;
  if (typeof trimmed !== 'string' || !trimmed.startsWith(PRIVATE_KEY_PREFIX)) {
    throw new NoteError('invalid_private_key', `private key does not start with ${PRIVATE_KEY_PREFIX}`);
  }
  const { name, keyId, body } = splitKey(trimmed.slice(PRIVATE_KEY_PREFIX.length), 'invalid_private_key', 'private key');
  const type = body[0]!;
  checkKeyType(type, 'invalid_private_key');
  const seed = body.slice(1);
  if (seed.length !== ED25519_KEY_SIZE) {
    throw new NoteError('invalid_private_key', `private key ${name} has a ${seed.length}-byte seed, want ${ED25519_KEY_SIZE}`);
  }
  const publicKey = ed25519PublicKey(seed);
  const computed = computeKeyId(name, type, publicKey);
  if (computed !== keyId) {
    throw new NoteError(
      'invalid_private_key',
      `private key ${name} has key ID ${formatKeyId(keyId)}, but its key gives ${formatKeyId(computed)}`,
    );
  }
  return { name, keyId, type, seed, publicKey };
}

export function formatPrivateKey(key: PrivateKey): string {
  checkKeyName(key.name, 'invalid_private_key');
  checkKeyType(key.type, 'invalid_private_key');
  const keyId = computeKeyId(key.name, key.type, ed25519PublicKey(key.seed));
  return `${PRIVATE_KEY_PREFIX}${key.name}+${formatKeyId(keyId)}+${encodeBase64(new Uint8Array([key.type, ...key.seed]))}`;
}

/** Returns the verifier key string of a private key. */
export function verifierKeyOf(key: PrivateKey): string {
  return formatVerifierKey(key.name, key.type, ed25519PublicKey(key.seed));
}

// ---------------------------------------------------------------------------------------------
// Signers and verifiers

/** Returns the message a cosignature/v1 signs: "cosignature/v1\ntime <T>\n" then the note text. */
function cosignedMessage(timestamp: bigint, text: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(`cosignature/v1\ntime ${timestamp}\n`, 'utf8'), text]);
}

/**
 * Returns a signer. Type 0x01 signs the text with Ed25519. Type 0x04 writes a cosignature/v1:
 * the u64 big-endian timestamp then the Ed25519 signature over the cosigned message. `clock`
 * returns the Unix time in seconds (default: now). c2sp.org/tlog-cosignature defines the
 * timestamp as the POSIX time at which the cosignature is generated, so a clock that returns 0
 * or less (or a fraction) is a broken clock: signing throws NoteError `invalid_timestamp`.
 */
export function noteSigner(key: PrivateKey, clock: () => number = () => Math.floor(Date.now() / 1000)): NoteSigner {
  checkKeyType(key.type, 'invalid_private_key');
  const privateKey = privateKeyObject(key.seed);
  const keyId = computeKeyId(key.name, key.type, ed25519PublicKey(key.seed));
  if (key.type === SIG_TYPE_ED25519) {
    return { name: key.name, keyId, sign: (text) => new Uint8Array(sign(null, text, privateKey)) };
  }
  return {
    name: key.name,
    keyId,
    sign(text) {
      const now = clock();
      if (!Number.isSafeInteger(now) || now <= 0) {
        throw new NoteError('invalid_timestamp', `cosignature timestamp ${String(now)} is not a positive integer of seconds`);
      }
      const signature = new Uint8Array(TIMESTAMP_SIZE + ED25519_SIG_SIZE);
      new DataView(signature.buffer).setBigUint64(0, BigInt(now));
      signature.set(sign(null, cosignedMessage(BigInt(now), text), privateKey), TIMESTAMP_SIZE);
      return signature;
    },
  };
}

/** Returns a verifier for a 0x01 or 0x04 key; it returns false for any malformed signature. */
export function noteVerifier(vkey: string | VerifierKey): NoteVerifier {
  const key = typeof vkey === 'string' ? parseVerifierKey(vkey) : parseVerifierKey(vkey.vkey);
  const publicKey = publicKeyObject(key.publicKey);
  if (publicKey === undefined) {
    throw new NoteError('invalid_vkey', `verifier key ${key.name} is not a valid Ed25519 public key`);
  }
  if (key.type === SIG_TYPE_ED25519) {
    return { name: key.name, keyId: key.keyId, verify: (text, signature) => verifyWith(publicKey, text, signature) };
  }
  return {
    name: key.name,
    keyId: key.keyId,
    verify(text, signature) {
      if (signature.length !== TIMESTAMP_SIZE + ED25519_SIG_SIZE) return false;
      const timestamp = new DataView(signature.buffer, signature.byteOffset).getBigUint64(0);
      // c2sp.org/tlog-cosignature caps the timestamp at 2^63 - 1 and sets no lower bound for
      // cosignature/v1, so 0 verifies. Only its ML-DSA-44 subtree form gives 0 a meaning ("no
      // claim to be the largest tree seen"). Verifiers MAY reject future times; this one does
      // not, because it has no clock, and a witness policy may compare the time itself.
      if (timestamp >= 1n << 63n) return false;
      return verifyWith(publicKey, cosignedMessage(timestamp, text), signature.subarray(TIMESTAMP_SIZE));
    },
  };
}

/** Returns the timestamp (Unix seconds) of a type 0x04 cosignature. Throws NoteError `invalid_cosignature`. */
export function cosignatureTimestamp(signature: Uint8Array): number {
  if (signature.length !== TIMESTAMP_SIZE + ED25519_SIG_SIZE) {
    throw new NoteError('invalid_cosignature', `cosignature has ${signature.length} bytes, want ${TIMESTAMP_SIZE + ED25519_SIG_SIZE}`);
  }
  const timestamp = new DataView(signature.buffer, signature.byteOffset).getBigUint64(0);
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new NoteError('invalid_cosignature', `cosignature timestamp ${timestamp} exceeds 2^53-1`);
  }
  return Number(timestamp);
}

// ---------------------------------------------------------------------------------------------
// Notes

function malformed(why: string): NoteError {
  return new NoteError('malformed_note', `signed note is malformed: ${why}`);
}

/** Rejects text that is not well-formed Unicode or contains an ASCII control character other than \n. */
function checkNoteCharacters(text: string): void {
  // In a /u regex \p{Cs} matches only unpaired surrogates, which have no UTF-8 encoding.
  if (/\p{Cs}/u.test(text)) throw malformed('not valid UTF-8 (unpaired surrogate)');
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0009\u000b-\u001f\u007f]/.exec(text);
  if (control !== null) {
    throw malformed(`control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')} at offset ${control.index}`);
  }
}

/** Parses the signature lines after the note's last empty line. */
function parseSignatureLines(block: string): NoteSignature[] {
  if (!block.endsWith('\n')) throw malformed('signature block does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`${lines.length} signatures, at most ${MAX_SIGNATURES} allowed`);
  return lines.map((line, i) => {
    if (!line.startsWith(SIG_PREFIX)) throw malformed(`signature line ${i + 1} does not start with "— "`);
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? '' : rest.slice(0, space);
    const bytes = space < 0 ? undefined : decodeBase64Strict(rest.slice(space + 1));
    if (!isValidKeyName(name)) throw malformed(`signature line ${i + 1} has an invalid key name`);
    // A signature is a 4-byte key ID followed by at least one byte.
    if (bytes === undefined || bytes.length < 5) throw malformed(`signature line ${i + 1} has invalid base64`);
    const keyId = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
    return { name, keyId, signature: bytes.slice(4) };
  });
}

/**
 * Parses a signed note without checking signatures. Strict: well-formed Unicode, no control
 * character but \n, text ending at the last empty line, one to 100 signature lines of canonical
 * padded base64. Throws NoteError `malformed_note`.
 */
export function parseNote(note: string): SignedNote {
  if (typeof note !== 'string') throw malformed('not a string');
  if (note.length > MAX_NOTE_SIZE) throw malformed(`longer than ${MAX_NOTE_SIZE} characters`);
  checkNoteCharacters(note);
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no empty line before the signatures');
  return { text: note.slice(0, split + 1), signatures: parseSignatureLines(note.slice(split + 2)) };
}

function formatSignatureLine(signature: NoteSignature): string {
  const bytes = new Uint8Array(4 + signature.signature.length);
  bytes.set(keyIdBytes(signature.keyId));
  bytes.set(signature.signature, 4);
  return `${SIG_PREFIX}${signature.name} ${encodeBase64(bytes)}\n`;
}

/** Signs `text` (non-empty, ending in \n) with every signer and returns the note. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (typeof text !== 'string' || text.length === 0 || !text.endsWith('\n')) {
    throw malformed('text must be non-empty and end with a newline');
  }
  if (text.length > MAX_NOTE_SIZE) throw malformed(`text is longer than ${MAX_NOTE_SIZE} characters`);
  checkNoteCharacters(text);
  if (signers.length < 1 || signers.length > MAX_SIGNATURES) {
    throw malformed(`${signers.length} signers, want 1..${MAX_SIGNATURES}`);
  }
  const message = Buffer.from(text, 'utf8');
  const lines = signers.map((signer) => {
    checkKeyName(signer.name, 'malformed_note');
    return formatSignatureLine({ name: signer.name, keyId: signer.keyId, signature: signer.sign(message) });
  });
  return `${text}\n${lines.join('')}`;
}

/**
 * Appends signature lines (such as a witness's cosignatures) to a note, dropping any whose
 * (name, key ID) the note already has. Checks no signature. Throws NoteError `malformed_note`.
 */
export function addSignatures(note: string, lines: string): string {
  const parsed = parseNote(note);
  if (typeof lines !== 'string' || lines.length > MAX_NOTE_SIZE) throw malformed('signature lines are too long');
  checkNoteCharacters(lines);
  if (lines.length === 0) return note;
  const seen = new Set(parsed.signatures.map((s) => `${s.name}+${s.keyId}`));
  let added = '';
  let count = parsed.signatures.length;
  for (const signature of parseSignatureLines(lines)) {
    const key = `${signature.name}+${signature.keyId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    added += formatSignatureLine(signature);
    count++;
  }
  if (count > MAX_SIGNATURES) throw malformed(`${count} signatures, at most ${MAX_SIGNATURES} allowed`);
  return note + added;
}

/**
 * Parses a note and checks every signature line whose name and key ID both match a verifier
 * (c2sp.org/signed-note): such a line must verify, else NoteError `invalid_signature` rejects the
 * whole note, even when another key verified. Lines of other keys are returned as unverified.
 * Unlike {@link openNote} it does not require a verified signature, so a caller that checked
 * the log's signature can also check the lines of every witness it trusts. Two verifiers with the
 * same name and ID throw `ambiguous_key`. Repeated signatures by one key are kept once.
 */
export function verifyKnownSignatures(
  note: string,
  verifiers: readonly NoteVerifier[],
): { text: string; verified: NoteSignature[]; unverified: NoteSignature[] } {
  const byKey = new Map<string, NoteVerifier>();
  for (const verifier of verifiers) {
    const key = `${verifier.name}+${verifier.keyId}`;
    if (byKey.has(key)) {
      throw new NoteError('ambiguous_key', `two verifiers for key ${verifier.name}+${formatKeyId(verifier.keyId)}`);
    }
    byKey.set(key, verifier);
  }

  const { text, signatures } = parseNote(note);
  const message = Buffer.from(text, 'utf8');
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seen = new Set<string>();
  for (const signature of signatures) {
    const key = `${signature.name}+${signature.keyId}`;
    const verifier = byKey.get(key);
    if (verifier === undefined) {
      unverified.push(signature);
      continue;
    }
    if (!verifier.verify(message, signature.signature)) {
      throw new NoteError(
        'invalid_signature',
        `invalid signature for key ${signature.name}+${formatKeyId(signature.keyId)}`,
      );
    }
    if (seen.has(key)) continue;
    seen.add(key);
    verified.push(signature);
  }
  return { text, verified, unverified };
}

/**
 * Parses a note and checks its signatures like {@link verifyKnownSignatures}, then requires at
 * least one verified signature, else NoteError `no_verified_signature`.
 */
export function openNote(
  note: string,
  verifiers: readonly NoteVerifier[],
): { text: string; verified: NoteSignature[]; unverified: NoteSignature[] } {
  const opened = verifyKnownSignatures(note, verifiers);
  if (opened.verified.length === 0) {
    throw new NoteError('no_verified_signature', 'note has no signature from a known key');
  }
  return opened;
}
