/**
 * Envelope signing and checking for tests, written from the record format alone (Ed25519 over
 * `ecert-ledger/entry/v1\n` plus the RFC 8785 JSON of the envelope without `sig` and
 * `loggedAt`) with node:crypto and the `canonicalize` package. It imports nothing from the
 * project, so the tests that use it check the hub against an independent reading of the format.
 */
import { createPrivateKey, createPublicKey, createHash, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import canonicalize from 'canonicalize';

const SIGNATURE_CONTEXT = 'ecert-ledger/entry/v1\n';
/** DER prefix of a PKCS #8 Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER prefix of an SPKI Ed25519 public key; the 32-byte key follows. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A note private key read from `PRIVATE+KEY+<name>+<hex id>+<base64(type ‖ seed)>`. */
export interface TestKey {
  name: string;
  keyId: string;
  type: number;
  privateKey: KeyObject;
  publicKey: Uint8Array;
}

/** A public key read from a vkey `<name>+<hex id>+<base64(type ‖ key)>`. */
export interface TestVerifierKey {
  name: string;
  keyId: string;
  type: number;
  publicKey: Uint8Array;
}

export interface TestEnvelope {
  v: 1;
  kind: string;
  body: unknown;
  actor: string;
  keyId: string;
  signedAt: string;
  nonce: string;
  sig: string;
}

/** Parses a Go note private key file's text. */
export function parseTestKey(text: string): TestKey {
  // The base64 key may itself contain '+', so split only at the first separators.
  const match = /^PRIVATE\+KEY\+([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (match === null) throw new Error(`not a note private key: ${text.slice(0, 40)}...`);
  const [, name, keyId, encoded] = match as unknown as [string, string, string, string];
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length !== 33) throw new Error(`private key has ${raw.length} bytes, want 33`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, raw.subarray(1)]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { name, keyId, type: raw[0]!, privateKey, publicKey: new Uint8Array(spki.subarray(-32)) };
}

/** Parses a vkey line and checks that its key ID is the note key ID of its name, type and key. */
export function parseTestVerifierKey(vkey: string): TestVerifierKey {
  const match = /^([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey.trim());
  if (match === null) throw new Error(`not a vkey: ${vkey}`);
  const [, name, keyId, encoded] = match as unknown as [string, string, string, string];
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length !== 33) throw new Error(`vkey ${vkey} has ${raw.length} key bytes, want 33`);
  const key = { name, keyId, type: raw[0]!, publicKey: new Uint8Array(raw.subarray(1)) };
  if (noteKeyId(key.name, key.type, key.publicKey) !== keyId) throw new Error(`vkey ${vkey} has a wrong key ID`);
  return key;
}

/** The note key ID: the first 4 bytes of SHA-256(name ‖ "\n" ‖ type ‖ key), as 8 hex digits. */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): string {
  const hash = createHash('sha256').update(name).update('\n').update(Buffer.from([type])).update(publicKey).digest();
  return hash.subarray(0, 4).toString('hex');
}

/** Checks an Ed25519 signature with a raw 32-byte public key. */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
  return verify(null, message, key, signature);
}

/** Reads the development key of `actor` from `DIR/dev-keys/<actor with ':' as '-'>.key`. */
export function readDevKey(dataDir: string, actor: string): TestKey {
  return parseTestKey(readFileSync(path.join(dataDir, 'dev-keys', `${actor.replaceAll(':', '-')}.key`), 'utf8'));
}

/** Reads the development vkey line of `actor`. */
export function readDevVkey(dataDir: string, actor: string): string {
  return readFileSync(path.join(dataDir, 'dev-keys', `${actor.replaceAll(':', '-')}.vkey`), 'utf8').trim();
}

export interface SignTestOptions {
  /** Signing time in epoch milliseconds; default now. */
  signedAtMs?: number;
  /** The nonce text (base64url of 16 bytes); default random. */
  nonce?: string;
  /** Actor name, if not the key's name. */
  actor?: string;
  /** keyId, if not the key's. */
  keyId?: string;
}

/** The bytes an actor signs for an envelope. */
export function signingInput(envelope: Omit<TestEnvelope, 'sig'> | TestEnvelope): Buffer {
  const { v, kind, body, actor, keyId, signedAt, nonce } = envelope;
  return Buffer.from(SIGNATURE_CONTEXT + canonicalize({ v, kind, body, actor, keyId, signedAt, nonce })!, 'utf8');
}

/** Signs a record as the key's actor and returns the envelope to submit. */
export function signTestEnvelope(kind: string, body: unknown, key: TestKey, options: SignTestOptions = {}): TestEnvelope {
  const unsigned = {
    v: 1 as const,
    kind,
    body,
    actor: options.actor ?? key.name,
    keyId: options.keyId ?? key.keyId,
    signedAt: new Date(options.signedAtMs ?? Date.now()).toISOString(),
    nonce: options.nonce ?? randomBytes(16).toString('base64url'),
  };
  const sig = sign(null, signingInput(unsigned), key.privateKey).toString('base64');
  return { ...unsigned, sig };
}

/** SHA-256 of a string or bytes as lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
