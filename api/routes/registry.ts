import type { FastifyInstance } from 'fastify';

import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { parseStoredEntry } from '../hub.js';
import { documentIndexPrefix } from '../index-keys.js';
import { base64, countSchema, errorSchema, sha256HexSchema } from '../params.js';

/** Most entries one document history returns; a document has a handful per exchange. */
const MAX_HISTORY_ENTRIES = 10_000;

const atQuery = {
  type: 'object',
  properties: { at: countSchema },
  additionalProperties: false,
} as const;

/** Registry state as of any index, and document histories with proofs. */
export function registerRegistryRoutes(app: FastifyInstance, hub: Hub): void {
  app.get(
    '/v1/cabs/:code',
    {
      schema: {
        summary: 'A CAB as of index `at` (default: latest): its record, status history and accreditations',
        params: {
          type: 'object',
          properties: { code: { type: 'string', maxLength: 32, pattern: '^[A-Z]{2}-[A-Z0-9]{2,12}-[0-9]{1,8}$' } },
          required: ['code'],
        },
        querystring: atQuery,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const { code } = request.params as { code: string };
      const at = asOfIndex(hub, (request.query as { at?: number }).at);
      const state = hub.registry.state;
      const cab = state.cabAt(code, at);
      if (cab === undefined) throw new ApiError(404, 'not_found', `no CAB ${code} is registered as of index ${at}`);
      const accreditations = (['ISO/IEC 17025', 'ISO/IEC 17065'] as const)
        .map((standard) => state.accreditationAt(code, standard, at))
        .filter((record) => record !== undefined);
      const history = state.cabHistory(code, at).map((version) => version.value);
      return toJson({ code, at, cab, history, accreditations });
    },
  );

  app.get(
    '/v1/keys/:sha256',
    {
      schema: {
        summary: 'A registered CAB or national CA certificate, by SHA-256 of its DER, as of index `at`',
        params: { type: 'object', properties: { sha256: sha256HexSchema }, required: ['sha256'] },
        querystring: atQuery,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const { sha256 } = request.params as { sha256: string };
      const at = asOfIndex(hub, (request.query as { at?: number }).at);
      const record = hub.registry.state.certificateAt(sha256, at);
      if (record === undefined) {
        throw new ApiError(404, 'not_found', `no certificate with SHA-256 ${sha256} is registered as of index ${at}`);
      }
      return toJson({ sha256, at, revoked: record.revocation !== undefined, certificate: record });
    },
  );

  app.get(
    '/v1/documents/:sha256/history',
    {
      schema: {
        summary: 'Every entry naming a document, each with its inclusion proof to one checkpoint',
        params: { type: 'object', properties: { sha256: sha256HexSchema }, required: ['sha256'] },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const { sha256 } = request.params as { sha256: string };
      const checkpoint = await hub.reader.latestCheckpoint();
      const records = await hub.reader.listIndexKeys(documentIndexPrefix(sha256), MAX_HISTORY_ENTRIES);
      const indexes = records.map((record) => record.value).filter((index) => checkpoint && index < checkpoint.size);
      if (checkpoint === undefined || indexes.length === 0) {
        throw new ApiError(404, 'not_found', `no entry names document ${sha256}`);
      }
      const entries = await Promise.all(
        indexes.map(async (index) => {
          const [entry, leafHash, proof] = await Promise.all([
            hub.reader.entry(index),
            hub.reader.leafHash(index),
            hub.reader.inclusionProof(index, checkpoint.size),
          ]);
          return { index, leafHash: base64(leafHash), entry: parseStoredEntry(entry), proof: proof.map(base64) };
        }),
      );
      return { sha256, checkpoint: await hub.checkpointWithCosignatures(checkpoint), entries };
    },
  );
}

function asOfIndex(hub: Hub, at: number | undefined): number {
  const last = hub.registry.state.size - 1;
  if (at === undefined) return last;
  if (at > last) throw new ApiError(404, 'not_found', `index ${at} is beyond the last entry (${last})`);
  return at;
}

/** Converts registry records to JSON: byte arrays become standard base64. */
function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return base64(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toJson(inner)]));
  }
  return value;
}
