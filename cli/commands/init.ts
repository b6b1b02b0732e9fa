import type { Command } from 'commander';

import type { InitOptions } from './init-run.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .summary('create a production hub: log key and signed genesis')
    .description(
      'Creates a hub in an empty data directory from public keys only. --participants is a JSON file ' +
        'with the genesis body: {origin, operator, participants: [{country, registrar}], witnesses: ' +
        '[{name, key}], witnessQuorum, recoveryQuorum}, every key a vkey made by its owner with ' +
        '`ecert keygen`. The operator signs the genesis with --operator-key, the hub makes a new log key ' +
        'named after the origin and logs the genesis as entry 0. Then run `ecert serve --data DIR`.',
    )
    .requiredOption('--data <dir>', 'new, empty data directory')
    .requiredOption('--participants <file>', 'JSON file with the genesis body (public vkeys only)')
    .requiredOption('--operator-key <file>', "the operator's private key file, named operator")
    .option('--origin <origin>', "the log's origin, if the participants file does not give one")
    .action(async (options: InitOptions) => {
      const { runInit } = await import('./init-run.js');
      await runInit(options);
    });
}
