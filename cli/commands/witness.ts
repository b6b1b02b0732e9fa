import type { Command } from 'commander';

import type { WitnessOptions } from './witness-run.js';

export function registerWitness(program: Command): void {
  program
    .command('witness')
    .summary('run a C2SP witness that cosigns consistent checkpoints')
    .description(
      'Runs a witness (c2sp.org/tlog-witness): POST /add-checkpoint cosigns a checkpoint of a log given ' +
        'by --log when it is consistent with the latest one the witness cosigned for that origin, and ' +
        'GET /<hex SHA-256(origin)>/checkpoint returns that latest checkpoint. The origin of each log is ' +
        'its key name. The state (latest size per origin) lives in the LevelDB directory --state.',
    )
    .requiredOption('--state <dir>', 'state directory (created if missing)')
    .requiredOption('--key <file>', "the witness's cosigner key (make one with `ecert keygen --cosigner`)")
    .requiredOption('--log <file>', "a log's verifier key file; repeat for several logs", collect, [])
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'TCP port to listen on (0 picks a free one)', '8081')
    .action(async (options: WitnessOptions) => {
      const { runWitness } = await import('./witness-run.js');
      await runWitness(options);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
