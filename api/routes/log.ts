import type { FastifyInstance } from 'fastify';

import { openNote, noteVerifier } from '../../ledger/note.js';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';
import { countSchema } from '../params.js';

/**
 * How many entries back from the newest GET /v1/checkpoints/witnessed looks for a cosigned
 * checkpoint. Witnesses cosign within seconds, so a checkpoint that old without a quorum means the
 * witnesses are down, and the answer is 404 until they return.
 */
const WITNESSED_SEARCH_WINDOW = 4096;

/** Log metadata and checkpoints by size. */
export function registerLogRoutes(app: FastifyInstance, hub: Hub): void {
  app.get(
    '/v1/log',
    {
      schema: {
        summary: "The log's origin, verifier key and current tree size",
        response: {
          200: {
            type: 'object',
            properties: { origin: { type: 'string' }, vkey: { type: 'string' }, size: countSchema },
            required: ['origin', 'vkey', 'size'],
          },
        },
      },
    },
    async () => ({ origin: hub.origin, vkey: hub.vkey, size: hub.size }),
  );

  app.get(
    '/v1/checkpoints/witnessed',
    { schema: { summary: 'Newest checkpoint whose cosignatures meet the witness quorum of the registry at its size, as a signed note' } },
    async (_request, reply) => {
      const note = await newestWitnessedCheckpoint(hub);
      return reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-cache').send(note);
    },
  );

  app.get(
    '/v1/checkpoints/:size',
    {
      schema: {
        summary: 'The checkpoint of a tree size with every cosignature collected for it, as a signed note',
        params: { type: 'object', properties: { size: countSchema }, required: ['size'] },
      },
    },
    async (request, reply) => {
      const { size } = request.params as { size: number };
      const checkpoint = await hub.reader.checkpoint(size);
      const note = await hub.checkpointWithCosignatures(checkpoint);
      return reply.header('content-type', 'text/plain; charset=utf-8').send(note);
    },
  );
}

/**
 * Finds the newest checkpoint whose collected cosignatures verify under at least
 * `witnessQuorum` distinct witness keys of the registry at that size. With a quorum of 0,
 * the newest checkpoint qualifies.
 */
async function newestWitnessedCheckpoint(hub: Hub): Promise<string> {
  const latest = await hub.reader.latestCheckpoint();
  if (latest === undefined) throw new ApiError(404, 'not_found', 'the log has no checkpoint yet');
  const candidates = [latest];
  if (quorumAt(hub, latest.size) > 0) {
    // Checkpoint sizes are sparse (one per integration); list the recent stored ones.
    const fromSize = Math.max(1, hub.size - WITNESSED_SEARCH_WINDOW);
    const recent = await hub.reader.listCheckpoints(fromSize, latest.size);
    candidates.push(...recent.reverse());
  }
  for (const candidate of candidates) {
    const witnesses = hub.registry.state.witnessesAt(candidate.size - 1);
    const quorum = witnesses?.witnessQuorum ?? 0;
    const note = await hub.checkpointWithCosignatures(candidate);
    if (quorum === 0 || countWitnessSignatures(note, witnesses?.witnesses ?? []) >= quorum) return note;
  }
  throw new ApiError(404, 'not_found', 'no recent checkpoint carries enough witness cosignatures yet');
}

function quorumAt(hub: Hub, size: number): number {
  return hub.registry.state.witnessesAt(size - 1)?.witnessQuorum ?? 0;
}

function countWitnessSignatures(note: string, witnesses: readonly { name: string; key: string }[]): number {
  let count = 0;
  for (const witness of witnesses) {
    try {
      openNote(note, [noteVerifier(witness.key)]);
      count++;
    } catch {
      // This witness has not cosigned the checkpoint (or its line does not verify).
    }
  }
  return count;
}
