import type { Command } from 'commander';

import { openCheckpoint } from '../../ledger/checkpoint.js';
import { noteVerifier } from '../../ledger/note.js';
import { LedgerError } from '../../ledger/errors.js';
import { CliError } from '../errors.js';
import { HubClient } from '../hub-client.js';
import { readVerifierKeyFile } from '../key-files.js';
import { parseCount } from '../numbers.js';

interface CheckpointOptions {
  hub: string;
  vkey: string;
  size?: string;
  witnessed?: boolean;
  json?: boolean;
}

export function registerCheckpoint(program: Command): void {
  program
    .command('checkpoint')
    .summary("fetch a hub's checkpoint and check its signature")
    .description(
      'Fetches the newest checkpoint (or the one of --size, or the newest witnessed one), checks the\n' +
        "log's signature with the key in --vkey and prints the signed note. Exits 1 if it does not verify.",
    )
    .option('--hub <url>', 'hub base URL', 'http://127.0.0.1:8080')
    .requiredOption('--vkey <file>', "file with the log's verifier key (never taken from the hub)")
    .option('--size <n>', 'checkpoint of this tree size instead of the newest')
    .option('--witnessed', 'the newest checkpoint whose cosignatures meet the witness quorum')
    .option('--json', 'print {origin, size, rootHash, note} as JSON')
    .action(async (options: CheckpointOptions) => {
      await runCheckpoint(options);
    });
}

async function runCheckpoint(options: CheckpointOptions): Promise<void> {
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
