import type { Command } from 'commander';

import type { ProofOptions } from './proof-run.js';

export function registerProof(program: Command): void {
  program
    .command('proof')
    .summary('fetch an inclusion or consistency proof and check it locally')
    .description(
      'With --index or --leaf-hash, fetches the inclusion proof of that entry in the checkpoint of ' +
        '--size (default: newest); with --from, the consistency proof from that size. Checks the ' +
        "checkpoints' signatures with --vkey and the proof itself, then prints the proof as JSON. " +
        'Exits 1 if anything does not verify.',
    )
    .option('--hub <url>', 'hub base URL', 'http://127.0.0.1:8080')
    .requiredOption('--vkey <file>', "file with the log's verifier key")
    .option('--index <i>', 'entry index')
    .option('--leaf-hash <base64>', 'entry leaf hash, standard base64')
    .option('--from <m>', 'older tree size, for a consistency proof')
    .option('--size <n>', 'tree size to prove against (default: the newest checkpoint)')
    .action(async (options: ProofOptions) => {
      const { runProof } = await import('./proof-run.js');
      await runProof(options);
    });
}
