import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';

import { devKeyStem } from '../../api/data-dir.js';
import { LedgerError } from '../../ledger/errors.js';
import { parsePrivateKey, parseVerifierKey, SIG_TYPE_COSIGNATURE, verifierKeyOf, type PrivateKey } from '../../ledger/note.js';
import { buildWitnessServer } from '../../monitor/witness-server.js';
import { WitnessStateStore } from '../../monitor/witness-state.js';
import { Witness } from '../../monitor/witness.js';
import { UsageError } from '../errors.js';

/** One witness the pilot runs: its actor name, cosigner vkey (type 0x04) and base URL. */
export interface RunningWitness {
  name: string;
  vkey: string;
  url: string;
}

/** The witnesses the pilot runs in its own process, until {@link WitnessServers.close}. */
export interface WitnessServers {
  witnesses: RunningWitness[];
  /** Stops every server, then closes its state store. */
  close(): Promise<void>;
}

/**
 * Starts one witness per country in this process, each listening on a free port of
 * 127.0.0.1 with the country's development cosigner key `witness-CC.key` from `keysDir`
 * and its state in `stateRoot/CC`. Each one witnesses only the log of `logVkey`. A witness
 * that fails to start stops the ones started before it.
 * @throws UsageError when a key file is missing or is not a cosigner key of that witness.
 */
export async function startWitnessServers(
  keysDir: string,
  stateRoot: string,
  logVkey: string,
  countries: readonly string[],
): Promise<WitnessServers> {
  const keys = countries.map((country) => readWitnessKey(keysDir, `witness:${country}`));
  const log = parseVerifierKey(logVkey);
  const started: { app: FastifyInstance; store: WitnessStateStore; witness: RunningWitness }[] = [];
  const close = async (): Promise<void> => {
    for (const { app, store } of started.splice(0).reverse()) {
      await app.close();
      await store.close();
    }
  };

  try {
    for (const [position, key] of keys.entries()) {
      const store = await WitnessStateStore.open(join(stateRoot, countries[position]!));
      let app: FastifyInstance;
      try {
        app = await buildWitnessServer(new Witness({ store, key, logs: [log] }), { logger: false });
      } catch (error) {
        await store.close();
        throw error;
      }
      // Listed before it listens, so a failed listen still closes this server and its store.
      const entry = { app, store, witness: { name: key.name, vkey: verifierKeyOf(key), url: '' } };
      started.push(entry);
      entry.witness.url = await app.listen({ host: '127.0.0.1', port: 0 });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { witnesses: started.map((entry) => entry.witness), close };
}

function readWitnessKey(keysDir: string, name: string): PrivateKey {
  const path = join(keysDir, `${devKeyStem(name)}.key`);
  if (!existsSync(path)) {
    throw new UsageError(`${keysDir} has no ${devKeyStem(name)}.key; the pilot needs the development cosigner key of ${name}`);
  }
  let key: PrivateKey;
  try {
    key = parsePrivateKey(readFileSync(path, 'utf8').trim());
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    throw new UsageError(`${path} is not a note private key: ${error.message}`, { cause: error });
  }
  if (key.name !== name || key.type !== SIG_TYPE_COSIGNATURE) {
    throw new UsageError(`${path} contains a key named ${key.name} of type ${key.type}, want a cosigner key (type 4) named ${name}`);
  }
  return key;
}
