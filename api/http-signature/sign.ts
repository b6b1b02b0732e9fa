/**
 * Signs a document-transfer request under RFC 9421 with an actor's Ed25519 note key, as the
 * hub's profile requires (label `ecert`, components `@method @path @query content-digest`,
 * parameters created, nonce, keyid and alg). The `http-message-signatures` package builds the
 * signature base and the `Signature-Input` and `Signature` fields.
 */
import { randomBytes } from 'node:crypto';

import { httpbis, type SignConfig } from 'http-message-signatures';

import { NoteError } from '../../ledger/errors.js';
import { ed25519Sign, SIG_TYPE_ED25519, type PrivateKey } from '../../ledger/note.js';
import { formatContentDigest } from './content-digest.js';
import { COVERED_COMPONENTS, NONCE_PATTERN, requestKeyId, SIGNATURE_ALGORITHM, SIGNATURE_LABEL } from './profile.js';

export { COVERED_COMPONENTS, requestKeyId, SIGNATURE_LABEL } from './profile.js';

export interface RequestToSign {
  method: string;
  /** Absolute URL; its path and query are signed as the client will send them. */
  url: string | URL;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

export interface SignRequestOptions {
  /** Creation time in Unix seconds; default now. */
  created?: number;
  /** Default 24 random bytes in base64url (32 characters). */
  nonce?: string;
  /** Expiry time in Unix seconds; no `expires` parameter when absent. */
  expires?: number;
}

const METHOD_PATTERN = /^[A-Za-z]{1,16}$/;
const SIGNATURE_FIELDS = new Set(['signature', 'signature-input', 'content-digest']);

/**
 * Signs a request and returns its headers with lowercase names, plus `content-digest`,
 * `signature-input` and `signature`. `key` must be an Ed25519 (type 0x01) note key, as
 * parsePrivateKey reads it; its name is the actor. Throws NoteError `invalid_private_key` for
 * another key type and RangeError for a malformed request or option.
 */
export async function signRequest(
  request: RequestToSign,
  key: PrivateKey,
  options: SignRequestOptions = {},
): Promise<Record<string, string>> {
  if (key.type !== SIG_TYPE_ED25519) {
    throw new NoteError('invalid_private_key', `key ${key.name} has type 0x${key.type.toString(16)}, but request signatures need an Ed25519 (0x01) key`);
  }
  const keyid = requestKeyId(key.name, key.keyId);
  const url = absoluteUrl(request.url);
  if (!METHOD_PATTERN.test(request.method)) {
    throw new RangeError(`HTTP method ${JSON.stringify(request.method)} is invalid; want letters only, such as GET or POST`);
  }
  const { created, nonce, expires } = checkOptions(options);

  const headers = {
    ...lowercaseHeaders(request.headers ?? {}),
    'content-digest': formatContentDigest(request.body ?? new Uint8Array(0)),
  };

  const config: SignConfig = {
    key: {
      id: keyid,
      alg: SIGNATURE_ALGORITHM,
      sign: async (data) => Buffer.from(ed25519Sign(key.seed, data)),
    },
    name: SIGNATURE_LABEL,
    fields: [...COVERED_COMPONENTS],
    params: expires === undefined ? ['created', 'nonce', 'keyid', 'alg'] : ['created', 'expires', 'nonce', 'keyid', 'alg'],
    paramValues: {
      created: new Date(created * 1000),
      nonce,
      ...(expires === undefined ? {} : { expires: new Date(expires * 1000) }),
    },
  };
  const signed = await httpbis.signMessage(config, { method: request.method, url, headers });

  const result = new Map<string, string>();
  for (const [name, value] of Object.entries(signed.headers)) {
    result.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  return Object.fromEntries(result);
}

function absoluteUrl(url: string | URL): URL {
  if (url instanceof URL) return url;
  try {
    return new URL(url);
  } catch {
    throw new RangeError(`request URL ${JSON.stringify(url)} is not an absolute URL such as http://127.0.0.1:8080/v1/inbox`);
  }
}

function checkOptions(options: SignRequestOptions): { created: number; nonce: string; expires?: number } {
  const created = options.created ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(created) || created <= 0) {
    throw new RangeError(`created ${created} is not a positive whole number of Unix seconds`);
  }
  const nonce = options.nonce ?? randomBytes(24).toString('base64url');
  if (!NONCE_PATTERN.test(nonce)) {
    throw new RangeError(`nonce ${JSON.stringify(nonce)} is invalid; want 16 to 64 characters of [A-Za-z0-9_-]`);
  }
  const expires = options.expires;
  if (expires !== undefined && (!Number.isSafeInteger(expires) || expires <= created)) {
    throw new RangeError(`expires ${expires} is not a whole number of Unix seconds after created ${created}`);
  }
  return expires === undefined ? { created, nonce } : { created, nonce, expires };
}

/** Copies headers with lowercase names; the signature fields are rejected because this function sets them. */
function lowercaseHeaders(headers: Record<string, string>): Record<string, string> {
  const result = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (SIGNATURE_FIELDS.has(lower)) {
      throw new RangeError(`header ${name} is set by signRequest; remove it from the request`);
    }
    if (result.has(lower)) throw new RangeError(`header ${lower} is given twice with different cases`);
    result.set(lower, value);
  }
  // fromEntries defines own properties, so a header named __proto__ stays a header.
  return Object.fromEntries(result);
}
