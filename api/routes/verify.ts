import type { FastifyInstance } from 'fastify';

import type { LogView } from '../../verifier/log-view.js';
import { verifyDocument } from '../../verifier/verify.js';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { documentIndexPrefix } from '../index-keys.js';
import { errorSchema } from '../params.js';

/**
 * Largest PDF accepted, in bytes. Conformity certificates and test reports are a few MB.
 * NOTE: a chosen bound, not measured; the PDF validator itself accepts up to 64 MiB.
 */
export const MAX_VERIFY_BODY = 20 * 1024 * 1024;
/** Most entries naming one document that the verification reads. */
const MAX_DOCUMENT_ENTRIES = 10_000;

const checkSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    indication: { type: 'string', enum: ['PASSED', 'FAILED', 'INDETERMINATE'] },
    subIndication: { type: 'string' },
    message: { type: 'string' },
    evidence: { type: 'object', additionalProperties: true },
  },
  required: ['id', 'indication', 'message', 'evidence'],
} as const;

const reportSchema = {
  type: 'object',
  properties: {
    result: { type: 'string', enum: ['TOTAL-PASSED', 'TOTAL-FAILED', 'INDETERMINATE'] },
    checks: { type: 'array', items: checkSchema },
    document: {
      type: 'object',
      properties: { sha256: { type: 'string' }, index: { type: 'integer' }, loggedAt: { type: 'string' } },
      required: ['sha256'],
    },
    checkpoint: {
      type: 'object',
      properties: { origin: { type: 'string' }, size: { type: 'integer' } },
      required: ['origin', 'size'],
    },
  },
  required: ['result', 'checks', 'document'],
} as const;

/**
 * `POST /v1/verify`: runs the six checks on an uploaded PDF against the hub's latest
 * checkpoint, with the hub's own store and registry as evidence and its own log key.
 * A client that does not trust the hub runs `ecert verify --hub` instead.
 */
export function registerVerifyRoutes(app: FastifyInstance, hub: Hub): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/pdf', { parseAs: 'buffer', bodyLimit: MAX_VERIFY_BODY }, (_request, body, done) => {
      done(null, body);
    });
    scope.addContentTypeParser('*', (request, _payload, done) => {
      const type = request.headers['content-type'] ?? 'none';
      done(new ApiError(415, 'unsupported_media_type', `send the PDF as application/pdf, not ${type.slice(0, 100)}`), undefined);
    });

    scope.post(
      '/v1/verify',
      {
        bodyLimit: MAX_VERIFY_BODY,
        schema: {
          summary: "Runs the six checks on a PDF (application/pdf body, at most 20 MiB) against the hub's latest checkpoint",
          response: { 200: reportSchema, '4xx': errorSchema },
        },
      },
      async (request) => {
        const body = request.body;
        if (!Buffer.isBuffer(body) || body.length === 0) {
          throw new ApiError(400, 'invalid_request', 'the request has no PDF; send it as the application/pdf body');
        }
        const view = await hubLogView(hub);
        return verifyDocument({ pdf: new Uint8Array(body), logKey: hub.vkey, evidence: { kind: 'view', view } });
      },
    );
  });
}

/** Builds a log view over the hub's store at its latest checkpoint, with the registry the hub keeps. */
async function hubLogView(hub: Hub): Promise<LogView> {
  const latest = await hub.reader.latestCheckpoint();
  if (latest === undefined) throw new ApiError(404, 'not_found', 'the log has no checkpoint yet');
  return {
    checkpoint: await hub.checkpointWithCosignatures(latest),
    state: hub.registry.state,
    indexesNaming: async (sha256) => {
      const records = await hub.reader.listIndexKeys(documentIndexPrefix(sha256), MAX_DOCUMENT_ENTRIES);
      return records.map((record) => record.value).filter((index) => index < latest.size);
    },
    entry: (index) => hub.reader.entry(index),
    inclusionProof: (index) => hub.reader.inclusionProof(index, latest.size),
  };
}
