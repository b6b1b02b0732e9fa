import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import type { FastifyInstance } from 'fastify';

import { createDevelopmentSetup, DATA_FILES, isEmptyDirectory } from '../../api/data-dir.js';
import { openExchanges, type Exchanges } from '../../api/exchanges/setup.js';
import { Hub } from '../../api/hub.js';
import { parsePrivateKey } from '../../ledger/note.js';
import { buildServer } from '../../api/server.js';
import type { WitnessPushSource } from '../../api/witness-push.js';
import { UsageError } from '../errors.js';

/** The hub a pilot runs against: its URL, the development keys, the log's vkey. */
export interface HubTarget {
  url: string;
  keysDir: string;
  logVkey: string;
  /** The data directory of a hub the pilot started itself. */
  dataDir?: string;
  /** The hub the pilot started, whose checkpoints it can push to witnesses; undefined for another hub. */
  pushSource?: WitnessPushSource;
  /** Stops a hub the pilot started; nothing for another hub. */
  close(): Promise<void>;
}

/**
 * Starts a hub in this process on a new development setup in `dataDir` (a new temporary
 * directory if omitted), listening on a free port of 127.0.0.1. The pilot then talks to
 * it over HTTP only, like to any other hub.
 * @throws UsageError when `dataDir` exists and is not empty.
 */
export async function startOwnHub(dataDir?: string): Promise<HubTarget> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'ecert-pilot-'));
  if (!isEmptyDirectory(dir)) {
    throw new UsageError(`--data ${dir} is not empty; the pilot needs a new or empty directory for the hub it starts`);
  }
  createDevelopmentSetup(dir);
  const hub = await Hub.open({ dataDir: dir });
  let app: FastifyInstance;
  let exchanges: Exchanges;
  try {
    const operatorKey = parsePrivateKey(readFileSync(join(dir, DATA_FILES.devKeys, 'operator.key'), 'utf8').trim());
    exchanges = await openExchanges(hub, { dataDir: dir, operatorKey, push: { initialBackoffMs: 200 } });
    app = await buildServer(hub, { logger: false, exchanges: exchanges.routes });
  } catch (error) {
    await hub.close();
    throw error;
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    keysDir: join(dir, DATA_FILES.devKeys),
    logVkey: readFileSync(join(dir, DATA_FILES.logVkey), 'utf8').trim(),
    dataDir: dir,
    pushSource: hub,
    async close() {
      await app.close();
      await exchanges.close();
      await hub.close();
    },
  };
}

/**
 * Describes a hub that is already running. The log's vkey comes from the caller's files,
 * never from the hub: `log.vkey` in the keys directory, or in its parent, where a
 * development setup writes it.
 * @throws UsageError when no log.vkey is found.
 */
export function existingHub(url: string, keysDir: string): HubTarget {
  const candidates = [join(keysDir, DATA_FILES.logVkey), join(dirname(keysDir), DATA_FILES.logVkey)];
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new UsageError(`no ${DATA_FILES.logVkey} in ${keysDir} or its parent; the pilot needs the log's vkey from the hub's data directory`);
  }
  return { url, keysDir, logVkey: readFileSync(path, 'utf8').trim(), close: async () => {} };
}
