import type { FastifyInstance } from 'fastify';

import type { PdfLimits } from '../../pdf/index.js';
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
/**
 * Parser limits for an uploaded PDF, stricter than the CLI's DEFAULT_PDF_LIMITS: the hub
 * parses the file once per signed revision on its event loop, and one file of 64 signatures
 * over 300,000 objects ran it out of heap. A file beyond them gets the report with the
 * signature check FAILED/FORMAT_FAILURE, whose message names the limit.
 * NOTE: chosen bounds, not measured; certificates and test reports have a few thousand objects.
 */
export const VERIFY_PDF_LIMITS: Readonly<Partial<PdfLimits>> = Object.freeze({
  maxFileSize: MAX_VERIFY_BODY,
  maxObjects: 100_000,
  maxDecompressedSize: 8 * 1024 * 1024,
  maxRevisions: 100,
});
/** Maximum number of signatures in an uploaded PDF, because each one parses its signed revision again. */
export const VERIFY_MAX_SIGNATURES = 8;
/** Seconds a client waits before retrying when another verification is running. */
const VERIFY_RETRY_AFTER = 2;

/**
 * Creates a gate that runs one verification at a time. A call made while another runs fails
 * at once with 503 `verify_busy`, so concurrent uploads cannot multiply memory and time.
 */
export function createVerifyGate(): <T>(work: () => Promise<T>) => Promise<T> {
  let running = false;
  return async (work) => {
    if (running) {
      // The error handler logs the code and status of this rejection.
      throw new ApiError(503, 'verify_busy', `another verification is running, retry after ${VERIFY_RETRY_AFTER} s`, { retryAfter: VERIFY_RETRY_AFTER });
    }
    running = true;
    try {
      return await work();
    } finally {
      running = false;
    }
  };
}

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
  const gate = createVerifyGate();
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
          description:
            'One verification runs at a time; a request arriving meanwhile gets 503 verify_busy with Retry-After. ' +
            'A PDF with more than 100,000 objects or xref entries, more than 8 signatures, more than 100 xref sections, ' +
            'or a stream decoding to more than 8 MiB gets a 200 report whose signature check is FAILED/FORMAT_FAILURE naming the limit.',
          response: { 200: reportSchema, '4xx': errorSchema, 503: errorSchema },
        },
      },
      async (request) => {
        const body = request.body;
        if (!Buffer.isBuffer(body) || body.length === 0) {
          throw new ApiError(400, 'invalid_request', 'the request has no PDF; send it as the application/pdf body');
        }
        return gate(async () => {
          const view = await hubLogView(hub);
          return verifyDocument({
            pdf: new Uint8Array(body),
            logKey: hub.vkey,
            pdfLimits: VERIFY_PDF_LIMITS,
            maxSignatures: VERIFY_MAX_SIGNATURES,
            evidence: { kind: 'view', view },
          });
        });
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
