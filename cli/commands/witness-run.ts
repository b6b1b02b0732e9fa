import { LedgerError } from '../../ledger/errors.js';
import { SIG_TYPE_COSIGNATURE, SIG_TYPE_ED25519 } from '../../ledger/note.js';
import { buildWitnessServer } from '../../monitor/witness-server.js';
import { WitnessStateStore } from '../../monitor/witness-state.js';
import { Witness } from '../../monitor/witness.js';
import { CliError, UsageError } from '../errors.js';
import { readPrivateKeyFile, readVerifierKeyFile } from '../key-files.js';
import { createLogger } from '../logger.js';
import { parseCount } from '../numbers.js';

export interface WitnessOptions {
  state: string;
  key: string;
  log: string[];
  host: string;
  port: string;
}

export async function runWitness(options: WitnessOptions): Promise<void> {
  const port = parseCount(options.port, '--port');
  if (port > 65535) throw new UsageError(`--port ${port} must be at most 65535`);
  const key = readPrivateKeyFile(options.key);
  if (key.type !== SIG_TYPE_COSIGNATURE) {
    throw new UsageError(`--key ${options.key} is not a cosigner key (type 0x04); make one with \`ecert keygen --cosigner\``);
  }
  if (options.log.length === 0) throw new UsageError('give at least one --log verifier key file');
  const logs = options.log.map((file) => {
    const vkey = readVerifierKeyFile(file, '--log');
    if (vkey.type !== SIG_TYPE_ED25519) throw new UsageError(`--log ${file} is not an Ed25519 log key (type 0x01)`);
    return vkey;
  });

  const logger = createLogger();
  let store: WitnessStateStore;
  try {
    store = await WitnessStateStore.open(options.state);
  } catch (error) {
    if (error instanceof LedgerError) {
      throw new CliError(`cannot open the witness state ${options.state} (${error.code}): ${error.message}`, 1, { cause: error });
    }
    throw error;
  }
  const witness = new Witness({ store, key, logs, logger });
  const app = await buildWitnessServer(witness, { logger });
  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await store.close();
    logger.info('stopped');
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const address = await app.listen({ host: options.host, port });
  logger.info({ address, name: witness.name, origins: witness.origins }, 'witness listening');
}
