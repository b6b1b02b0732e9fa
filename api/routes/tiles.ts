import type { FastifyInstance } from 'fastify';

import { NoteError } from '../../ledger/errors.js';
import { parseTilePath } from '../../ledger/tile.js';
import { ApiError } from '../errors.js';
import type { Hub } from '../hub.js';

/** Tiles and bundles never change once served at a width, so caches may keep them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Registers the c2sp.org/tlog-tiles read API: checkpoint, hash tiles and entry bundles. */
export function registerTileRoutes(app: FastifyInstance, hub: Hub): void {
  app.get(
    '/checkpoint',
    { schema: { summary: 'Newest signed checkpoint with the cosignatures collected for it (c2sp.org/tlog-checkpoint)' } },
    async (_request, reply) => {
      const latest = await hub.reader.latestCheckpoint();
      if (latest === undefined) throw new ApiError(404, 'not_found', 'the log has no checkpoint yet');
      const note = await hub.checkpointWithCosignatures(latest);
      return reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-cache').send(note);
    },
  );

  app.get(
    '/tile/*',
    {
      schema: {
        summary: 'Hash tile tile/<L>/<N>[.p/<W>] or entry bundle tile/entries/<N>[.p/<W>] (c2sp.org/tlog-tiles)',
        params: {
          type: 'object',
          properties: { '*': { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      // Tile paths have one spelling; a percent-encoded one (%2e for '.') names no tile.
      if (request.url.includes('%')) throw new ApiError(404, 'not_found', `no tile at ${request.url}`);
      const path = `tile/${(request.params as { '*': string })['*']}`;
      let tile: ReturnType<typeof parseTilePath>;
      try {
        tile = parseTilePath(path);
      } catch (error) {
        if (error instanceof NoteError) throw new ApiError(404, 'not_found', error.message);
        throw error;
      }
      const bytes = tile.entries
        ? await hub.reader.bundle(tile.index, tile.width)
        : await hub.reader.tile(tile.level, tile.index, tile.width);
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      void reply.header('content-type', 'application/octet-stream').header('cache-control', IMMUTABLE);
      if (!tile.entries) return reply.send(body);
      return reply.header('vary', 'accept-encoding').compress(body);
    },
  );
}
