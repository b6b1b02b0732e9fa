import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';

import { LedgerError, ProofError, SequencerError, StorageError } from '../ledger/errors.js';
import { RuleError } from '../registry/errors.js';
import { parseStrictJson } from '../registry/json.js';
import { registerDecimalParamCheck } from './decimal-params.js';
import { ApiError, STATUS_BY_CODE } from './errors.js';
import type { Hub } from './hub.js';
import { registerEntryRoutes } from './routes/entries.js';
import { registerExchangeRoutes, type ExchangeRouteOptions } from './routes/exchanges.js';
import { registerLogRoutes } from './routes/log.js';
import { registerProofRoutes } from './routes/proofs.js';
import { registerRegistryRoutes } from './routes/registry.js';
import { registerTileRoutes } from './routes/tiles.js';
import { registerVerifyRoutes } from './routes/verify.js';

export interface ServerOptions {
  logger?: Logger | boolean;
  /** The document-exchange routes; without them the hub serves the log only. */
  exchanges?: ExchangeRouteOptions;
}

/** Maximum time one request may take, body included: a 20 MiB upload at about 0.5 Mbit/s. */
const REQUEST_TIMEOUT_MS = 300_000;

/** Body limit of routes that set none; POST /v1/entries sets its own. */
const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Builds the hub's HTTP server (not yet listening). */
export async function buildServer(hub: Hub, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: typeof options.logger === 'object' ? (options.logger as FastifyBaseLogger) : undefined,
    logger: typeof options.logger === 'boolean' ? options.logger : undefined,
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Bounds a request that never completes (a stalled upload), which would also hold up a shutdown.
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Paths are matched exactly: /tile/0/000 and /tile/0/000/ are different resources.
    routerOptions: { ignoreTrailingSlash: false },
    // While closing, requests still reach the routes, whose sequencer rejects them with 503
    // `closed` in the hub's error shape, unlike fastify's own 503 body.
    return503OnClosing: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });

  // Submissions carry signed numbers, so JSON.parse's silent rounding of integers above
  // 2^53 must never reach them: parse strictly, and reject what does not fit.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // Fastify does not decode Content-Encoding, so a compressed body would be parsed as garbage.
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      done(new ApiError(415, 'unsupported_media_type', `Content-Encoding ${encoding} is not supported; send the body uncompressed`));
      return;
    }
    try {
      // Bytes, not a decoded string, so that invalid UTF-8 is rejected instead of replaced.
      const maxBytes = request.routeOptions.bodyLimit ?? DEFAULT_BODY_LIMIT;
      done(null, parseStrictJson(new Uint8Array(body as Buffer), { maxBytes }));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // Only entry bundles are worth compressing, and c2sp.org/tlog-tiles recommends it for them.
  // Hash tiles are random bytes. Routes opt in with reply.compress().
  await app.register(compress, { global: false, encodings: ['gzip'], customTypes: /^application\/octet-stream$/ });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'ecert-ledger hub API',
        version: '1',
        description: 'Submissions, C2SP tiled-log reads, proofs and registry queries of an ecert-ledger hub.',
      },
    },
  });

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(errorBody('route_not_found', `no route for ${request.method} ${request.url}`));
  });

  registerDecimalParamCheck(app);
  registerTileRoutes(app, hub);
  registerLogRoutes(app, hub);
  registerEntryRoutes(app, hub);
  registerProofRoutes(app, hub);
  registerRegistryRoutes(app, hub);
  registerVerifyRoutes(app, hub);
  if (options.exchanges !== undefined) await registerExchangeRoutes(app, options.exchanges);
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}

function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Maps every error to `{error: {code, message}}` with the status its code implies. */
function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, code, message, retryAfter } = classify(error);
  // 503 and 507 are the hub's capacity limits, not faults: the client retries later.
  if (status >= 500 && status !== 503 && status !== 507) {
    request.log.error({ err: error, code }, 'request failed');
  } else {
    request.log.info({ code, status }, message);
  }
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  return reply.code(status).send(errorBody(code, message));
}

function classify(error: unknown): { status: number; code: string; message: string; retryAfter?: number } {
  if (error instanceof ApiError) {
    return { status: error.statusCode, code: error.code, message: error.message, retryAfter: error.retryAfter };
  }
  if (error instanceof RuleError) {
    return { status: STATUS_BY_CODE[error.code] ?? 422, code: error.code, message: error.message };
  }
  if (error instanceof SequencerError) {
    const status = STATUS_BY_CODE[error.code] ?? 503;
    return { status, code: error.code, message: error.message, retryAfter: status === 503 ? 1 : undefined };
  }
  if (error instanceof StorageError && error.code === 'not_found') {
    return { status: 404, code: 'not_found', message: error.message };
  }
  if (error instanceof ProofError) {
    return { status: 400, code: error.code, message: error.message };
  }
  if (error instanceof LedgerError) {
    return { status: STATUS_BY_CODE[error.code] ?? 500, code: error.code, message: error.message };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    // A body that fails the route schema (an array, a string, null) is not an envelope.
    const code = fastifyError.validationContext === 'body' ? 'invalid_envelope' : 'invalid_parameter';
    return { status: 400, code, message: fastifyError.message };
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'body_too_large', message: fastifyError.message };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'unsupported_media_type',
        message: 'this Content-Type is not accepted here: send application/json, or multipart/form-data to POST /v1/exchanges',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'invalid_json', message: 'the request body is empty; send a JSON document' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'invalid_request', message: fastifyError.message };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, code: 'invalid_request', message: fastifyError.message };
  }
  return { status: 500, code: 'internal_error', message: 'internal error; the hub logged the details' };
}
