import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { DATA_FILES, isEmptyDirectory, writeLogFiles } from '../../api/data-dir.js';
import { Hub } from '../../api/hub.js';
import { LedgerError } from '../../ledger/errors.js';
import { generatePrivateKey, isValidKeyName, verifierKeyOf } from '../../ledger/note.js';
import { signEnvelope } from '../../registry/envelope.js';
import type { GenesisBody } from '../../registry/kinds/log.js';
import { parseStrictJson } from '../../registry/json.js';
import { CliError, UsageError } from '../errors.js';
import { readFlagFile, readPrivateKeyFile } from '../key-files.js';

export interface InitOptions {
  data: string;
  participants: string;
  operatorKey: string;
  origin?: string;
}

export async function runInit(options: InitOptions): Promise<void> {
  if (!isEmptyDirectory(options.data)) {
    throw new UsageError(`--data ${options.data} is not empty; init writes only into a new, empty directory`);
  }
  const operatorKey = readPrivateKeyFile(options.operatorKey, '--operator-key');
  let body: GenesisBody;
  try {
    body = parseStrictJson(readFlagFile(options.participants, '--participants')) as GenesisBody;
  } catch (error) {
    const reason = error instanceof LedgerError ? error.message : String(error);
    throw new UsageError(`--participants ${options.participants} is not valid JSON: ${reason}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new UsageError(`--participants ${options.participants} must hold a JSON object (the genesis body)`);
  }
  const origin = body.origin ?? options.origin;
  if (typeof origin !== 'string' || !isValidKeyName(origin)) {
    throw new UsageError('give the origin in the participants file or with --origin: no spaces and no "+"');
  }
  if (body.origin !== undefined && options.origin !== undefined && body.origin !== options.origin) {
    throw new UsageError(`--origin ${options.origin} differs from the participants file's origin ${body.origin}`);
  }
  if (operatorKey.name !== 'operator' || verifierKeyOf(operatorKey) !== body.operator) {
    throw new UsageError(
      `--operator-key ${options.operatorKey} is not the operator key of the participants file ` +
        `(its vkey is ${verifierKeyOf(operatorKey)}, the file names ${String(body.operator)})`,
    );
  }

  const genesis = (() => {
    try {
      return signEnvelope({ kind: 'log.genesis', body: { ...body, origin }, actor: 'operator' }, operatorKey);
    } catch (error) {
      const reason = error instanceof LedgerError ? `${error.code}: ${error.message}` : String(error);
      throw new UsageError(`--participants ${options.participants} is not a valid genesis body (${reason})`);
    }
  })();
  const logKey = generatePrivateKey(origin);
  const existed = existsSync(options.data);
  writeLogFiles(options.data, logKey, genesis);
  let genesisLeafHash: Uint8Array;
  try {
    const hub = await Hub.open({ dataDir: options.data, batchInterval: 0 });
    genesisLeafHash = await hub.reader.leafHash(0);
    await hub.close();
  } catch (error) {
    // The rules rejected the genesis (or the store failed): remove what init wrote, so the
    // directory is empty again and init can run there once the participants file is fixed.
    removeInitFiles(options.data, existed);
    if (error instanceof LedgerError) {
      throw new CliError(`could not log the genesis (${error.code}): ${error.message}`, 1, { cause: error });
    }
    throw error;
  }
  process.stdout.write(`${verifierKeyOf(logKey)}\n`);
  process.stderr.write(
    `created the hub in ${options.data}: log key ${options.data}/log.key (keep it secret), ` +
      `vkey in ${options.data}/log.vkey, genesis logged as entry 0 with leaf hash ` +
      `${Buffer.from(genesisLeafHash).toString('base64')} (monitors pin it with --genesis)\n`,
  );
}

/** Deletes the files init wrote into `dataDir`, and the directory itself if init created it. */
function removeInitFiles(dataDir: string, existed: boolean): void {
  const written = [DATA_FILES.genesisPending, DATA_FILES.logKey, DATA_FILES.logVkey, DATA_FILES.genesis, DATA_FILES.store];
  for (const name of written) {
    rmSync(join(dataDir, name), { recursive: true, force: true });
  }
  if (!existed) rmSync(dataDir, { recursive: true, force: true });
}
