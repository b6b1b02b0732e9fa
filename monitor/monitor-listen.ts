/**
 * Serves the monitor's latest verified checkpoint to its peers at
 * `GET /<hex SHA-256(origin)>/checkpoint`, the c2sp.org/tlog-witness monitoring endpoint:
 * 404 until the monitor has accepted one.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from 'pino';

import { originHash } from './monitor.js';

export interface PeerEndpoint {
  /** Base URL peers pass as `--peer`. */
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on `host:port` (port 0 picks a free one) and serves `latestNote()`.
 * @throws the listen error (such as EADDRINUSE).
 */
export async function listenForPeers(options: {
  origin: string;
  latestNote: () => string | undefined;
  port: number;
  host?: string;
  logger: Logger;
}): Promise<PeerEndpoint> {
  const path = `/${originHash(options.origin)}/checkpoint`;
  const server: Server = createServer((request, response) => {
    const note = request.method === 'GET' && request.url === path ? options.latestNote() : undefined;
    if (note === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }).end(note);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host}:${address.port}`;
  options.logger.info({ origin: options.origin, url, path }, 'serving the verified checkpoint to peers');
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
