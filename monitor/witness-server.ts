/**
 * The witness's HTTP server: POST /add-checkpoint (c2sp.org/tlog-witness) and the monitoring
 * endpoint GET /<hex SHA-256(origin)>/checkpoint. Errors are plain text, one line.
 */
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';

import { WitnessError } from './witness-errors.js';
import type { Witness } from './witness.js';

/**
 * Largest add-checkpoint body: 63 proof lines of 45 bytes and a checkpoint note. A checkpoint
 * with the signed-note maximum of 100 signature lines is about 15 KB, so 256 KiB leaves room for
 * extension lines while bounding what a client can make the witness parse.
 */
export const MAX_REQUEST_BYTES = 256 * 1024;

const TEXT = 'text/plain; charset=utf-8';

export interface WitnessServerOptions {
  logger?: Logger | false;
}

/** Builds the witness server (not yet listening). */
export async function buildWitnessServer(witness: Witness, options: WitnessServerOptions = {}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger ? (options.logger as FastifyBaseLogger) : undefined,
    bodyLimit: MAX_REQUEST_BYTES,
    routerOptions: { ignoreTrailingSlash: false },
  });

  // The protocol fixes no request content type, so every body is read as bytes and decoded here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, new TextDecoder('utf-8', { fatal: true }).decode(body as Buffer));
    } catch {
      request.log.info({ status: 400, code: 'invalid_utf8' }, 'request body is not valid UTF-8');
      done(new WitnessError(400, 'invalid_utf8', 'request body is not valid UTF-8'), undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, code, message } = classify(error);
    // The witness itself logs its rejections with the origin and sizes.
    if (status >= 500) request.log.error({ err: error, code }, 'request failed');
    else if (!(error instanceof WitnessError)) request.log.info({ status, code }, message);
    if (error instanceof WitnessError && error.status === 409 && error.latestSize !== undefined) {
      // c2sp.org/tlog-witness: the 409 body is the latest cosigned size, so the client can retry.
      return reply.code(409).header('content-type', 'text/x.tlog.size').send(`${error.latestSize}\n`);
    }
    return sendText(reply.code(status), `${message}\n`);
  });
  app.setNotFoundHandler((request, reply) => sendText(reply.code(404), `no route for ${request.method} ${request.url}\n`));

  app.post('/add-checkpoint', async (request, reply) => {
    const body = typeof request.body === 'string' ? request.body : '';
    const result = await witness.addCheckpoint(body);
    return sendText(reply.code(200), result.cosignatures);
  });

  app.get('/:originHash/checkpoint', async (request, reply) => {
    const { originHash } = request.params as { originHash: string };
    const note = await witness.latestCheckpoint(originHash);
    if (note === undefined) {
      return sendText(reply.code(404), `no checkpoint cosigned for origin hash ${originHash.slice(0, 64)}\n`);
    }
    return sendText(reply.code(200).header('cache-control', 'no-cache'), note);
  });
  return app;
}

function sendText(reply: FastifyReply, text: string): FastifyReply {
  return reply.header('content-type', TEXT).send(text);
}

function classify(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof WitnessError) return { status: error.status, code: error.code, message: error.message };
  const fastifyError = error as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, code: 'body_too_large', message: `request body exceeds ${MAX_REQUEST_BYTES} bytes` };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, code: 'invalid_request', message: fastifyError.message };
  }
  return { status: 500, code: 'internal_error', message: 'internal error; the witness logged the details' };
}
