import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { RequestVerifier, type ActorKeyLookup } from '../../api/http-signature/verify.js';

/** One PDF the hub pushed, as the receiving authority's endpoint saw it. */
export interface ReceivedPush {
  exchangeId: string;
  sha256: string;
  /** The actor whose RFC 9421 signature verified, or the error code of a signature that did not. */
  signer: string;
}

/** Largest push body taken: the hub's default PDF limit. */
const MAX_PUSH_BYTES = 20 * 1024 * 1024;

/**
 * A receiving authority's push endpoint on 127.0.0.1 for the pilot: it checks each push's RFC
 * 9421 signature (the hub signs pushes with the operator key), keeps what arrived, and answers
 * 204 so the hub logs the delivery.
 */
export class PushReceiver {
  readonly pushes: ReceivedPush[] = [];
  readonly #server: Server;
  readonly #verifier: RequestVerifier;

  private constructor(server: Server, verifier: RequestVerifier) {
    this.#server = server;
    this.#verifier = verifier;
  }

  static async start(lookup: ActorKeyLookup): Promise<PushReceiver> {
    // The hub's signatures are fresh; a receiver that just started has no earlier nonces to guard.
    const verifier = new RequestVerifier({ lookup, startedAt: 0 });
    let receiver: PushReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_PUSH_BYTES) chunks.push(chunk);
      });
      request.on('end', () => {
        if (size > MAX_PUSH_BYTES) {
          response.writeHead(413).end();
          return;
        }
        const body = Buffer.concat(chunks);
        void receiver!.#accept(request.method ?? '', request.url ?? '', request.headers, body).then((status) => response.writeHead(status).end());
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new PushReceiver(server, verifier);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/ecert/push`;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #accept(method: string, target: string, headers: Record<string, string | string[] | undefined>, body: Buffer): Promise<number> {
    // The signed query names the exchange; the Ecert-Exchange-Id header is not signed.
    const exchangeId = new URL(target, 'http://push.invalid').searchParams.get('ecert-exchange') ?? '';
    const sha256 = createHash('sha256').update(body).digest('hex');
    try {
      const { signer, contentSha256 } = await this.#verifier.verify({ method, pathAndQuery: target, headers });
      if (!Buffer.from(contentSha256).equals(Buffer.from(sha256, 'hex'))) throw Object.assign(new Error('digest'), { code: 'content_digest_mismatch' });
      this.pushes.push({ exchangeId, sha256, signer: signer.actor });
      return 204;
    } catch (error) {
      this.pushes.push({ exchangeId, sha256, signer: (error as { code?: string }).code ?? 'error' });
      return 401;
    }
  }
}
