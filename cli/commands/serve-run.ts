import { createDevelopmentSetup, isEmptyDirectory } from '../../api/data-dir.js';
import { ApiError } from '../../api/errors.js';
import { Hub } from '../../api/hub.js';
import { buildServer } from '../../api/server.js';
import { parseWitnessUrl, WitnessPusher } from '../../api/witness-push.js';
import { LedgerError } from '../../ledger/errors.js';
import { CliError, UsageError } from '../errors.js';
import { createLogger } from '../logger.js';
import { parseCount, parseCountInRange } from '../numbers.js';
import type { ExchangeFlags } from './serve-exchange-flags.js';
import { openServeExchanges, parseExchangeFlags } from './serve-exchanges.js';

interface ServeOptions {
  data: string;
  host: string;
  port: string;
  batchSize?: string;
  batchInterval?: string;
  witness: string[];
}

export type ServeFlags = ServeOptions & ExchangeFlags;

export async function runServe(options: ServeFlags): Promise<void> {
  const logger = createLogger();
  const port = parseCount(options.port, '--port');
  if (port > 65535) throw new UsageError(`--port ${port} must be at most 65535`);
  // The sequencer's own limits, checked here so a bad flag fails before the data directory is touched.
  const batchSize = parseCountInRange(options.batchSize ?? '256', '--batch-size', 1, 4096);
  const batchInterval = parseCountInRange(options.batchInterval ?? '200', '--batch-interval', 0, 60_000);
  const witnessUrls = options.witness.map((url) => {
    try {
      return parseWitnessUrl(url);
    } catch (error) {
      throw new UsageError(`--witness: ${(error as Error).message}`, { cause: error });
    }
  });
  const exchangeSettings = parseExchangeFlags(options);

  if (isEmptyDirectory(options.data)) {
    createDevelopmentSetup(options.data);
    logger.warn(
      { dataDir: options.data },
      'DEVELOPMENT SETUP: created a log key, a genesis and every participant\'s private keys in ' +
        `${options.data}/dev-keys; the operator now holds everyone's keys, so never use this directory in production`,
    );
  }

  let hub: Hub;
  try {
    hub = await Hub.open({ dataDir: options.data, batchSize, batchInterval, logger });
  } catch (error) {
    // The hub's own start-up errors carry a code and a message for the operator; print no stack.
    if (error instanceof LedgerError || error instanceof ApiError) {
      throw new CliError(`cannot start the hub on ${options.data} (${error.code}): ${error.message}`, 1, { cause: error });
    }
    throw error;
  }
  let exchanges;
  try {
    exchanges = await openServeExchanges(hub, options.data, exchangeSettings, logger);
  } catch (error) {
    await hub.close();
    throw error;
  }
  const app = await buildServer(hub, { logger, exchanges: exchanges?.routes });
  const pusher = new WitnessPusher(hub, { urls: witnessUrls, logger });
  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await exchanges?.close();
    await pusher.close();
    await hub.close();
    logger.info('stopped');
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const address = await app.listen({ host: options.host, port });
  logger.info({ address, origin: hub.origin, size: hub.size, vkey: hub.vkey }, 'hub listening');
  pusher.start();
}
