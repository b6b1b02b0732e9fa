import type { FastifyInstance } from 'fastify';

import { MAX_LEAF_SIZE, validateEnvelope } from '../../registry/envelope.js';
import { checkDirectSubmission } from '../exchanges/direct-entries.js';
import type { Hub } from '../hub.js';
import { parseStoredEntry } from '../hub.js';
import { base64, countSchema, errorSchema, receiptJson } from '../params.js';

/**
 * Raw size limit of a submission. The logged entry is at most 65,535 bytes of canonical JSON;
 * the submitted text may carry some whitespace more, but not much.
 */
const SUBMISSION_BODY_LIMIT = MAX_LEAF_SIZE + 16 * 1024;

const receiptSchema = {
  type: 'object',
  properties: {
    index: countSchema,
    leafHash: { type: 'string' },
    checkpoint: { type: 'string' },
    proof: { type: 'array', items: { type: 'string' } },
    receipt: { type: 'string' },
  },
  required: ['index', 'leafHash', 'checkpoint', 'proof', 'receipt'],
} as const;

/** Submissions and entry reads. */
export function registerEntryRoutes(app: FastifyInstance, hub: Hub): void {
  app.post(
    '/v1/entries',
    {
      bodyLimit: SUBMISSION_BODY_LIMIT,
      schema: {
        summary: 'Log a signed envelope; answers after the entry is durable, with its inclusion proof',
        description:
          'The body is an envelope {v, kind, body, actor, keyId, signedAt, nonce, sig} signed by its actor. ' +
          'Resubmitting an identical envelope returns the existing receipt.',
        body: { type: 'object' },
        response: { 200: receiptSchema, '4xx': errorSchema, '5xx': errorSchema },
      },
    },
    async (request) => {
      const envelope = validateEnvelope(request.body);
      checkDirectSubmission(hub.registry.state, envelope);
      const receipt = await hub.submit(envelope);
      request.log.info({ index: receipt.index, kind: envelope.kind, actor: envelope.actor }, 'entry logged');
      return receiptJson(receipt);
    },
  );

  app.get(
    '/v1/entries/:index',
    {
      schema: {
        summary: 'One entry with its leaf hash and the parsed envelope',
        params: { type: 'object', properties: { index: countSchema }, required: ['index'] },
        response: {
          200: {
            type: 'object',
            properties: { index: countSchema, leafHash: { type: 'string' }, entry: { type: 'object', additionalProperties: true } },
            required: ['index', 'leafHash', 'entry'],
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const { index } = request.params as { index: number };
      const [entry, leafHash] = await Promise.all([hub.reader.entry(index), hub.reader.leafHash(index)]);
      return { index, leafHash: base64(leafHash), entry: parseStoredEntry(entry) };
    },
  );
}
