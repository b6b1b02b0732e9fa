import type { Command } from 'commander';

import type { SubmitOptions } from './submit-run.js';

export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .summary('sign a record and log it')
    .description(
      'Signs a record body with the actor key in --key (the key name is the actor) and submits it to ' +
        'the hub. Prints the entry index, leaf hash and checkpoint as JSON; -o writes the receipt ' +
        '(c2sp.org/tlog-proof with the entry) for `ecert verify-receipt`.',
    )
    .argument('<kind>', 'entry kind, e.g. cab.register or document.register')
    .argument('<body>', 'JSON file with the record body')
    .requiredOption('--key <file>', "the actor's private key file")
    .option('--hub <url>', 'hub base URL', 'http://127.0.0.1:8080')
    .option('-o, --output <file>', 'write the receipt to this file')
    .action(async (kind: string, bodyPath: string, options: SubmitOptions) => {
      const { runSubmit } = await import('./submit-run.js');
      await runSubmit(kind, bodyPath, options);
    });
}
