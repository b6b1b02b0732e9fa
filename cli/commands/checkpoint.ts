import type { Command } from 'commander';

import type { CheckpointOptions } from './checkpoint-run.js';

export function registerCheckpoint(program: Command): void {
  program
    .command('checkpoint')
    .summary("fetch a hub's checkpoint and check its signature")
    .description(
      'Fetches the newest checkpoint (or the one of --size, or the newest witnessed one), checks the ' +
        "log's signature with the key in --vkey and prints the signed note. Exits 1 if it does not verify.",
    )
    .option('--hub <url>', 'hub base URL', 'http://127.0.0.1:8080')
    .requiredOption('--vkey <file>', "file with the log's verifier key (never taken from the hub)")
    .option('--size <n>', 'checkpoint of this tree size instead of the newest')
    .option('--witnessed', 'the newest checkpoint whose cosignatures meet the witness quorum')
    .option('--json', 'print {origin, size, rootHash, note} as JSON')
    .action(async (options: CheckpointOptions) => {
      const { runCheckpoint } = await import('./checkpoint-run.js');
      await runCheckpoint(options);
    });
}
