import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  formatPrivateKey,
  generatePrivateKey,
  parsePrivateKey,
  SIG_TYPE_COSIGNATURE,
  verifierKeyOf,
  type PrivateKey,
} from '../ledger/note.js';
import { signEnvelope, type SignedEnvelope } from '../registry/envelope.js';
import type { GenesisBody } from '../registry/kinds/log.js';
import { ApiError } from './errors.js';

/** Origin and log key name of the development setup. */
export const DEV_ORIGIN = 'ecert-ledger.localhost/dev';

/** The participating countries of the development genesis. */
export const DEV_COUNTRIES = ['UZ', 'AZ', 'KG', 'PK', 'TJ'] as const;

/**
 * Files of a hub data directory:
 * - `log.key`: the log's private key (Go note format), whose name is the origin;
 * - `log.vkey`: its verifier key, one line, for clients and monitors;
 * - `genesis.json`: the operator-signed `log.genesis` envelope, integrated as entry 0;
 * - `ledger/`: the LevelDB store of tiles, bundles, indexes and checkpoints;
 * - `dev-keys/`: every participant's keys, in the development setup only;
 * - `genesis.pending`: present from the first file written until the genesis is logged, so only
 *   a directory being created gets a new store (a store lost later must be restored instead).
 */
export const DATA_FILES = {
  logKey: 'log.key',
  logVkey: 'log.vkey',
  genesis: 'genesis.json',
  store: 'ledger',
  devKeys: 'dev-keys',
  genesisPending: 'genesis.pending',
} as const;

/** Tells whether `dir` is missing or an empty directory, so a new setup may be written there. */
export function isEmptyDirectory(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/** Reads the log's private key from a data directory. */
export function readLogKey(dataDir: string): PrivateKey {
  const path = join(dataDir, DATA_FILES.logKey);
  if (!existsSync(path)) {
    throw new ApiError(
      500,
      'not_a_data_directory',
      `${dataDir} has no ${DATA_FILES.logKey}; run \`ecert init\` there, or point --data at an empty directory ` +
        'for a development setup',
    );
  }
  return parsePrivateKey(readFileSync(path, 'utf8').trim());
}

/** Reads the signed genesis envelope that `init` or the development setup wrote. */
export function readGenesis(dataDir: string): SignedEnvelope<'log.genesis'> {
  const path = join(dataDir, DATA_FILES.genesis);
  return JSON.parse(readFileSync(path, 'utf8')) as SignedEnvelope<'log.genesis'>;
}

/** Tells whether the data directory is still being created, because its genesis is not logged yet. */
export function isGenesisPending(dataDir: string): boolean {
  return existsSync(join(dataDir, DATA_FILES.genesisPending));
}

/** Marks the data directory created, once its genesis is durable in the store. */
export function clearGenesisPending(dataDir: string): void {
  rmSync(join(dataDir, DATA_FILES.genesisPending), { force: true });
}

/**
 * Writes the log key, its vkey and the signed genesis into a new data directory. The
 * `genesis.pending` marker comes first, so a crash before the genesis is logged leaves a
 * directory that the next `Hub.open` finishes creating.
 */
export function writeLogFiles(dataDir: string, logKey: PrivateKey, genesis: SignedEnvelope<'log.genesis'>): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, DATA_FILES.genesisPending), '');
  writeFileSync(join(dataDir, DATA_FILES.logKey), formatPrivateKey(logKey) + '\n', { mode: 0o600 });
  writeFileSync(join(dataDir, DATA_FILES.logVkey), verifierKeyOf(logKey) + '\n');
  writeFileSync(join(dataDir, DATA_FILES.genesis), JSON.stringify(genesis, null, 2) + '\n');
}

/** Key file stem of an actor: `registrar:UZ` is stored as `registrar-UZ.key` and `.vkey`. */
export function devKeyStem(actor: string): string {
  return actor.replaceAll(':', '-');
}

/**
 * Creates the development setup in an empty directory: a log key, keys for the operator, every
 * registrar, every national authority (sender and receiver) and every country's witness, all
 * written to `dev-keys/`, and a genesis for UZ, AZ, KG, PK and TJ without witnesses. The operator
 * then holds everyone's private keys, which only a development setup may do.
 */
export function createDevelopmentSetup(dataDir: string, origin = DEV_ORIGIN): GenesisBody {
  const keysDir = join(dataDir, DATA_FILES.devKeys);
  mkdirSync(keysDir, { recursive: true });
  const writeKey = (key: PrivateKey): void => {
    const stem = join(keysDir, devKeyStem(key.name));
    writeFileSync(`${stem}.key`, formatPrivateKey(key) + '\n', { mode: 0o600 });
    writeFileSync(`${stem}.vkey`, verifierKeyOf(key) + '\n');
  };

  const operator = generatePrivateKey('operator');
  writeKey(operator);
  const participants = DEV_COUNTRIES.map((country) => {
    const registrar = generatePrivateKey(`registrar:${country}`);
    writeKey(registrar);
    writeKey(generatePrivateKey(`authority:${country}`));
    writeKey(generatePrivateKey(`witness:${country}`, SIG_TYPE_COSIGNATURE));
    return { country, registrar: verifierKeyOf(registrar) };
  });

  const body: GenesisBody = {
    origin,
    operator: verifierKeyOf(operator),
    participants,
    witnesses: [],
    witnessQuorum: 0,
    recoveryQuorum: 2,
  };
  const genesis = signEnvelope({ kind: 'log.genesis', body, actor: 'operator' }, operator);
  writeLogFiles(dataDir, generatePrivateKey(origin), genesis);
  return body;
}
