import { openCheckpoint } from '../../ledger/checkpoint.js';
import { noteVerifier } from '../../ledger/note.js';
import { LedgerError } from '../../ledger/errors.js';
import { CliError } from '../errors.js';
import { HubClient } from '../hub-client.js';
import { readVerifierKeyFile } from '../key-files.js';
import { parseCount } from '../numbers.js';

export interface CheckpointOptions {
  hub: string;
  vkey: string;
  size?: string;
  witnessed?: boolean;
  json?: boolean;
}

export async function runCheckpoint(options: CheckpointOptions): Promise<void> {
  const logKey = readVerifierKeyFile(options.vkey);
  const hub = new HubClient(options.hub);
  let path = '/checkpoint';
  if (options.size !== undefined) path = `/v1/checkpoints/${parseCount(options.size, '--size')}`;
  else if (options.witnessed) path = '/v1/checkpoints/witnessed';
  const note = await hub.getText(path);
  let checkpoint;
  try {
    ({ checkpoint } = openCheckpoint(note, noteVerifier(logKey), logKey.name));
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    throw new CliError(
      `checkpoint from ${hub.baseUrl}${path} does not verify with ${options.vkey} (${error.code}): ${error.message}`,
    );
  }
  if (options.json) {
    const rootHash = Buffer.from(checkpoint.rootHash).toString('base64');
    const json = { origin: checkpoint.origin, size: checkpoint.size, rootHash, note };
    process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  } else {
    process.stdout.write(note);
  }
}
