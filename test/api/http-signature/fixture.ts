/**
 * A registry with two registered authorities, a verifier over it on a test clock, and helpers
 * that sign requests with the real signer or, for malformed signatures, with the package directly.
 */
import { httpbis, type SignConfig } from 'http-message-signatures';
import { expect } from 'vitest';

import { ApiError } from '../../../api/errors.js';
import { formatContentDigest } from '../../../api/http-signature/content-digest.js';
import { requestKeyId, signRequest, type SignRequestOptions } from '../../../api/http-signature/sign.js';
import { registryKeyLookup, RequestVerifier, type VerifierOptions } from '../../../api/http-signature/verify.js';
import { ed25519Sign, type PrivateKey } from '../../../ledger/note.js';
import { startedLog, T0, type TestLog } from '../../registry/fixture.js';

export const HUB = 'http://127.0.0.1:8080';
export const NOW_SECONDS = Math.floor(T0 / 1000);

export interface ReceivedRequest {
  method: string;
  pathAndQuery: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A started log, a clock at T0 and a verifier that started a minute before it. */
export class SignatureFixture {
  readonly log: TestLog = startedLog();
  now = T0;
  readonly verifier: RequestVerifier;

  constructor(options: Partial<VerifierOptions> = {}) {
    this.verifier = new RequestVerifier({
      lookup: registryKeyLookup(() => this.log.registry.state),
      now: () => this.now,
      startedAt: T0 - 60_000,
      ...options,
    });
  }

  key(actor = 'authority:UZ'): PrivateKey {
    return this.log.key(actor);
  }

  /** Signs a request with signRequest, at NOW_SECONDS unless `options.created` sets another time. */
  async sign(
    method: string,
    target: string,
    options: SignRequestOptions & { body?: Uint8Array; key?: PrivateKey; headers?: Record<string, string> } = {},
  ): Promise<ReceivedRequest> {
    const { body, key, headers, ...signOptions } = options;
    const signed = await signRequest(
      { method, url: `${HUB}${target}`, body, headers },
      key ?? this.key(),
      { created: NOW_SECONDS, ...signOptions },
    );
    return { method, pathAndQuery: target, headers: signed };
  }

  verify(request: ReceivedRequest): ReturnType<RequestVerifier['verify']> {
    return this.verifier.verify(request);
  }
}

export interface CraftOptions {
  label?: string;
  fields?: string[];
  params?: string[];
  paramValues?: SignConfig['paramValues'];
  keyid?: string;
  alg?: string;
  key?: PrivateKey;
  body?: Uint8Array;
}

/**
 * Signs with the package directly and a valid key, so that only the profile checks can reject
 * the result: the signature itself verifies over whatever it covers.
 */
export async function craftRequest(method: string, target: string, options: CraftOptions): Promise<ReceivedRequest> {
  const key = options.key!;
  const config: SignConfig = {
    key: { id: options.keyid ?? requestKeyId(key.name, key.keyId), alg: options.alg ?? 'ed25519', sign: async (data) => Buffer.from(ed25519Sign(key.seed, data)) },
    name: options.label ?? 'ecert',
    fields: options.fields ?? ['@method', '@path', '@query', 'content-digest'],
    params: options.params ?? ['created', 'nonce', 'keyid', 'alg'],
    paramValues: { created: new Date(NOW_SECONDS * 1000), nonce: 'crafted-nonce-0123456789', ...options.paramValues },
  };
  const headers = { 'content-digest': formatContentDigest(options.body ?? new Uint8Array(0)) };
  const signed = await httpbis.signMessage(config, { method, url: `${HUB}${target}`, headers });
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) lower[name.toLowerCase()] = String(value);
  return { method, pathAndQuery: target, headers: lower };
}

/** Awaits a rejection and returns its ApiError, failing when it is anything else. */
export async function rejectionOf(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected a rejection, but the promise fulfilled');
}
