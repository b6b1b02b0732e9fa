import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ApiError } from '../errors.js';
import { checkContentDigest } from '../http-signature/content-digest.js';
import type { RequestSigner, RequestVerifier } from '../http-signature/verify.js';

interface RequestAuthentication {
  signer: RequestSigner;
  declaredSha256: Uint8Array;
  /** SHA-256 of the body bytes as they arrived, set once the body was read to its end. */
  bodySha256?: Uint8Array;
}

const authentications = new WeakMap<FastifyRequest, RequestAuthentication>();

const EMPTY_BODY_SHA256 = createHash('sha256').digest();

/**
 * Makes every route of `app` (an encapsulated plugin scope) require an RFC 9421 signature. The
 * signature headers are checked before the body is read, so an unsigned upload is rejected
 * before anything is stored. The body's RFC 9530 digest is checked after the body was read and
 * before the handler runs.
 */
export function requireSignedRequests(app: FastifyInstance, verifier: RequestVerifier): void {
  app.addHook('onRequest', async (request) => {
    const { signer, contentSha256 } = await verifier.verify({
      method: request.method,
      pathAndQuery: request.url,
      headers: request.headers,
    });
    authentications.set(request, { signer, declaredSha256: contentSha256 });
  });

  app.addHook('preParsing', async (request, _reply, payload) => {
    const authentication = authentications.get(request)!;
    return new DigestingStream(payload, (digest) => {
      authentication.bodySha256 = digest;
    });
  });

  app.addHook('preHandler', async (request) => {
    const authentication = authentications.get(request)!;
    // Fastify reads no body for a request without one, so nothing passed the digesting stream.
    checkContentDigest(authentication.declaredSha256, authentication.bodySha256 ?? EMPTY_BODY_SHA256);
  });
}

/** Returns the actor who signed the request. Only for routes under requireSignedRequests. */
export function signerOf(request: FastifyRequest): RequestSigner {
  const authentication = authentications.get(request);
  if (authentication === undefined) throw new ApiError(401, 'signature_missing', 'this request needs an RFC 9421 signature');
  return authentication.signer;
}

/** Passes a body through unchanged while hashing it, and reports the digest at its end. */
class DigestingStream extends Transform {
  readonly #hash: Hash = createHash('sha256');
  readonly #onDigest: (digest: Uint8Array) => void;

  constructor(source: NodeJS.ReadableStream, onDigest: (digest: Uint8Array) => void) {
    super();
    this.#onDigest = onDigest;
    source.on('error', (error) => this.destroy(error));
    source.pipe(this);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#onDigest(this.#hash.digest());
    callback();
  }
}
