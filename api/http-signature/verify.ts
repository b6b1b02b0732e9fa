/**
 * Verifies the RFC 9421 signature of a document-transfer request: the `ecert` signature's form
 * (signature-input.ts), its freshness against the hub's clock, the signer's registered key, the
 * Ed25519 signature through the `http-message-signatures` package, and that its
 * `(keyid, nonce)` pair is new. The body is checked against `Content-Digest` by the caller
 * once it has been read.
 */
import { httpbis, type VerifyConfig } from 'http-message-signatures';

import { ed25519Verify, SIG_TYPE_ED25519 } from '../../ledger/note.js';
import type { RegistryState } from '../../registry/state.js';
import { ApiError } from '../errors.js';
import { parseContentDigest } from './content-digest.js';
import { COVERED_COMPONENTS, quoteForMessage, REQUIRED_PARAMETERS, SIGNATURE_ALGORITHM } from './profile.js';
import { ReplayCache } from './replay-cache.js';
import { selectSignature, type SelectedSignature } from './signature-input.js';

/** The actor whose registered key signed a request. */
export interface RequestSigner {
  actor: string;
  keyId: number;
  roles: readonly string[];
}

/** A registered actor key; `undefined` when no actor of that name has that key ID. */
export type ActorKeyLookup = (
  actor: string,
  keyId: number,
) => { status: 'active' | 'revoked'; publicKey: Uint8Array; roles: readonly string[] } | undefined;

export interface VerifierOptions {
  lookup: ActorKeyLookup;
  /** Clock in milliseconds; default Date.now. */
  now?: () => number;
  /** When the hub started, in milliseconds; default now() at construction. */
  startedAt?: number;
  /** How far `created` may lie in the past, in milliseconds; default 5 minutes. */
  windowMs?: number;
  /** How far `created` may lie ahead of the hub's clock, in milliseconds; default 5 seconds. */
  futureSkewMs?: number;
  /** Maximum number of `(keyid, nonce)` pairs remembered at once; default 100,000. */
  maxNonces?: number;
}

export const DEFAULT_WINDOW_MS = 5 * 60 * 1000;
export const DEFAULT_FUTURE_SKEW_MS = 5 * 1000;
// NOTE: an estimate: 100,000 pairs of about 150 bytes each take roughly 15 MB and allow
// 333 accepted requests per second, sustained over the 5-minute window.
export const DEFAULT_MAX_NONCES = 100_000;

/** Maximum length of the request target (path and query). */
export const MAX_TARGET_LENGTH = 8192;

const METHOD_PATTERN = /^[A-Za-z]{1,16}$/;

/** Maximum length of a header value the verifier reads; each field also has its own tighter limit. */
const MAX_FIELD_LENGTH = 16_384;

// The package needs an absolute URL but signs only the path and query of it.
const PLACEHOLDER_ORIGIN = 'http://hub.invalid';

/** Returns an ActorKeyLookup over the latest registry state; only the actor's current Ed25519 key matches. */
export function registryKeyLookup(state: () => RegistryState): ActorKeyLookup {
  return (actor, keyId) => {
    const record = state().actorAt(actor);
    if (record === undefined || record.key.keyId !== keyId || record.key.type !== SIG_TYPE_ED25519) return undefined;
    return { status: record.status, publicKey: record.key.publicKey, roles: record.roles };
  };
}

export class RequestVerifier {
  private readonly lookup: ActorKeyLookup;
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly futureSkewMs: number;
  /**
   * Earliest accepted `created`, in milliseconds. The previous run of the hub accepted
   * signatures created up to `futureSkewMs` ahead of its clock, and its nonces are gone, so
   * only signatures created after startedAt + futureSkewMs are certain to be new.
   */
  private readonly acceptFrom: number;
  private readonly nonces: ReplayCache;

  constructor(options: VerifierOptions) {
    this.lookup = options.lookup;
    this.now = options.now ?? Date.now;
    this.windowMs = checkDuration('windowMs', options.windowMs ?? DEFAULT_WINDOW_MS);
    this.futureSkewMs = checkDuration('futureSkewMs', options.futureSkewMs ?? DEFAULT_FUTURE_SKEW_MS);
    const startedAt = checkDuration('startedAt', options.startedAt ?? this.now());
    this.acceptFrom = startedAt + this.futureSkewMs;
    this.nonces = new ReplayCache(options.maxNonces ?? DEFAULT_MAX_NONCES);
  }

  /**
   * Checks the signature headers of a request whose target is `pathAndQuery` as received
   * (e.g. '/v1/inbox?status=all'). Returns the signer and the SHA-256 its Content-Digest
   * declares; the caller checks the body against it with checkContentDigest once the body is
   * read. Throws only ApiError: 401 for the signature codes, 400 for the digest codes, 503
   * `busy` when the nonce cache is full, and 500 `internal_error` when the key lookup fails.
   */
  async verify(request: {
    method: string;
    pathAndQuery: string;
    headers: Record<string, string | string[] | undefined>;
  }): Promise<{ signer: RequestSigner; contentSha256: Uint8Array }> {
    try {
      return await this.verifyRequest(request.method, request.pathAndQuery, request.headers);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiError(500, 'internal_error', `request signature check failed: ${reason}`, { cause: error });
    }
  }

  private async verifyRequest(
    method: string,
    pathAndQuery: string,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<{ signer: RequestSigner; contentSha256: Uint8Array }> {
    if (typeof method !== 'string' || !METHOD_PATTERN.test(method)) {
      throw new ApiError(401, 'signature_invalid', `request method ${quoteForMessage(String(method))} is not an HTTP method name`);
    }
    const url = targetUrl(pathAndQuery);
    const selected = selectSignature(headerValue(headers, 'signature-input'), headerValue(headers, 'signature'));
    const now = this.now();
    this.checkFreshness(selected, now);

    const nonceKey = `${selected.keyid} ${selected.nonce}`;
    if (this.nonces.has(nonceKey, now)) throw replayed(selected);

    const key = this.lookup(selected.actor, selected.keyId);
    if (key === undefined) {
      throw new ApiError(
        401,
        'unknown_key',
        `no actor ${selected.actor} with key ID ${selected.keyid.slice(-8)} is registered; sign with the actor's current registered key`,
      );
    }
    if (key.status === 'revoked') {
      throw new ApiError(401, 'key_revoked', `actor ${selected.actor} is revoked, so its requests are rejected`);
    }

    const contentDigest = headerValue(headers, 'content-digest');
    const contentSha256 = parseContentDigest(contentDigest);

    const verified = await this.verifySignature(selected, key.publicKey, {
      method,
      url,
      headers: {
        'signature-input': selected.signatureInput,
        signature: selected.signature,
        'content-digest': contentDigest!,
      },
    });
    if (!verified) {
      throw new ApiError(
        401,
        'signature_invalid',
        `the Ed25519 signature of ${selected.keyid} does not verify over ${quoteForMessage(`${method} ${pathAndQuery}`)} and its Content-Digest; ` +
          'sign the exact method, path, query and Content-Digest that are sent',
      );
    }

    // Checked again after the await: a concurrent request may have used the pair meanwhile.
    if (!this.nonces.add(nonceKey, selected.created * 1000 + this.windowMs, now)) throw replayed(selected);
    return { signer: { actor: selected.actor, keyId: selected.keyId, roles: key.roles }, contentSha256 };
  }

  private checkFreshness(selected: SelectedSignature, now: number): void {
    const createdMs = selected.created * 1000;
    const created = formatSeconds(selected.created);
    if (selected.expires !== undefined) {
      if (selected.expires < selected.created) {
        throw new ApiError(401, 'signature_invalid', `signature expires ${formatSeconds(selected.expires)} before it was created ${created}`);
      }
      if (now > selected.expires * 1000) {
        throw stale(`the signature expired at ${formatSeconds(selected.expires)}, and the hub's time is ${formatMs(now)}`);
      }
    }
    if (createdMs > now + this.futureSkewMs) {
      throw stale(`signature created ${created} lies ahead of the hub's time ${formatMs(now)}; check the client's clock`);
    }
    if (now - createdMs > this.windowMs) {
      throw stale(`signature created ${created} is older than ${this.windowMs / 1000} s at the hub's time ${formatMs(now)}`);
    }
    if (createdMs < this.acceptFrom) {
      // Not the client's fault: the hub restarted moments ago, and a request signed again shortly is accepted.
      const retryAfter = Math.max(1, Math.ceil((this.acceptFrom + 1000 - now) / 1000));
      throw new ApiError(
        503,
        'signature_before_start',
        `signature created ${created} is before ${formatMs(this.acceptFrom)}, when the hub began accepting signatures after its start; sign the request again in ${retryAfter} s`,
        { retryAfter },
      );
    }
  }

  private async verifySignature(selected: SelectedSignature, publicKey: Uint8Array, message: { method: string; url: URL; headers: Record<string, string> }): Promise<boolean> {
    const config: VerifyConfig = {
      keyLookup: async (parameters) =>
        parameters.keyid === selected.keyid
          ? {
              id: selected.keyid,
              algs: [SIGNATURE_ALGORITHM],
              verify: async (data, signature) => ed25519Verify(publicKey, data, signature),
            }
          : null,
      requiredFields: [...COVERED_COMPONENTS],
      requiredParams: [...REQUIRED_PARAMETERS],
      // checkFreshness has already judged created and expires by this verifier's clock. The
      // package would judge them again by Date.now, so a tolerance beyond any timestamp turns
      // its checks off.
      tolerance: Number.MAX_SAFE_INTEGER,
    };
    let result: boolean | null;
    try {
      result = await httpbis.verifyMessage(config, message);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiError(401, 'signature_invalid', `the signature of ${selected.keyid} cannot be checked: ${reason}`, { cause: error });
    }
    // verifyMessage returns null when it found no key, so only true counts.
    return result === true;
  }
}

/**
 * Parses the received request target. It must already be in the form WHATWG URL gives it
 * (no dot segments, the usual percent-encoding), because the package signs that form and the
 * router must see the same path the signer signed.
 */
function targetUrl(pathAndQuery: string): URL {
  if (typeof pathAndQuery !== 'string' || pathAndQuery.length > MAX_TARGET_LENGTH) {
    throw new ApiError(401, 'signature_invalid', `the request target is not a string of at most ${MAX_TARGET_LENGTH} characters`);
  }
  if (!pathAndQuery.startsWith('/') || pathAndQuery.startsWith('//')) {
    throw new ApiError(401, 'signature_invalid', `request target ${quoteForMessage(pathAndQuery)} does not start with a single '/'`);
  }
  let url: URL;
  try {
    url = new URL(pathAndQuery, PLACEHOLDER_ORIGIN);
  } catch {
    throw new ApiError(401, 'signature_invalid', `request target ${quoteForMessage(pathAndQuery)} is not a valid path and query`);
  }
  const normal = url.pathname + url.search;
  // An empty query ('/path?') signs as '?', the same as no query (RFC 9421 §2.2.8).
  if (pathAndQuery !== normal && pathAndQuery !== `${normal}?`) {
    throw new ApiError(
      401,
      'signature_invalid',
      `request target ${quoteForMessage(pathAndQuery)} is not in normal form; send it as ${quoteForMessage(normal)}`,
    );
  }
  return url;
}

/** Returns a header's value, with repeated lines (or differently cased names) joined by ', ' as HTTP combines them. */
function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value) && value.every((line) => typeof line === 'string')) values.push(...value);
    else throw new ApiError(401, 'signature_invalid', `header ${name} is neither a string nor a list of strings`);
  }
  if (values.length === 0) return undefined;
  const joined = values.join(', ');
  if (joined.length > MAX_FIELD_LENGTH) {
    throw new ApiError(401, 'signature_invalid', `header ${name} has ${joined.length} characters, max ${MAX_FIELD_LENGTH}`);
  }
  return joined;
}

function checkDuration(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} ${value} is not a non-negative integer of milliseconds`);
  return value;
}

function replayed(selected: SelectedSignature): ApiError {
  return new ApiError(
    401,
    'signature_replayed',
    `nonce ${selected.nonce} of ${selected.keyid} was already used; sign the request again with a new nonce`,
  );
}

function stale(message: string): ApiError {
  return new ApiError(401, 'signature_stale', `${message}; sign the request again with the current time`);
}

const MAX_DATE_MS = 8.64e15;

function formatMs(ms: number): string {
  return Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : `${ms} ms`;
}

function formatSeconds(seconds: number): string {
  return `${seconds} (${formatMs(seconds * 1000)})`;
}
