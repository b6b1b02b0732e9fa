import type { FastifyInstance } from 'fastify';

import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { leafHashIndexKey } from '../index-keys.js';
import { base64, countSchema, errorSchema, hashBase64Schema, resolveSize } from '../params.js';

/** Inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4) as JSON. */
export function registerProofRoutes(app: FastifyInstance, hub: Hub): void {
  app.get(
    '/v1/proofs/inclusion',
    {
      schema: {
        summary: 'Inclusion proof of an entry, by index or by leaf hash, in the tree of `size` (default: latest)',
        querystring: {
          type: 'object',
          properties: { index: countSchema, leafHash: hashBase64Schema, size: countSchema },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              index: countSchema,
              size: countSchema,
              leafHash: { type: 'string' },
              proof: { type: 'array', items: { type: 'string' } },
            },
            required: ['index', 'size', 'leafHash', 'proof'],
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const query = request.query as { index?: number; leafHash?: string; size?: number };
      if ((query.index === undefined) === (query.leafHash === undefined)) {
        throw new ApiError(400, 'invalid_parameter', 'give exactly one of index and leafHash');
      }
      const size = resolveSize(query.size, hub.size);
      let index = query.index;
      if (query.leafHash !== undefined) {
        index = await hub.reader.readIndexKey(leafHashIndexKey(Buffer.from(query.leafHash, 'base64')));
        if (index === undefined) throw new ApiError(404, 'not_found', `no entry has leaf hash ${query.leafHash}`);
      }
      if (index! >= size) {
        throw new ApiError(404, 'not_found', `entry ${index} is not in the tree of size ${size}`);
      }
      const [leafHash, proof] = await Promise.all([hub.reader.leafHash(index!), hub.reader.inclusionProof(index!, size)]);
      return { index, size, leafHash: base64(leafHash), proof: proof.map(base64) };
    },
  );

  app.get(
    '/v1/proofs/consistency',
    {
      schema: {
        summary: 'Consistency proof between the trees of sizes `from` and `to` (default: latest)',
        querystring: {
          type: 'object',
          properties: { from: countSchema, to: countSchema },
          required: ['from'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { from: countSchema, to: countSchema, proof: { type: 'array', items: { type: 'string' } } },
            required: ['from', 'to', 'proof'],
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const query = request.query as { from: number; to?: number };
      const to = resolveSize(query.to, hub.size);
      if (query.from > to) {
        throw new ApiError(400, 'invalid_parameter', `from ${query.from} is larger than to ${to}`);
      }
      const proof = query.from === 0 || query.from === to ? [] : await hub.reader.consistencyProof(query.from, to);
      return { from: query.from, to, proof: proof.map(base64) };
    },
  );
}
