import { fileURLToPath } from 'node:url';

import type { Command } from 'commander';

import type { PilotOptions } from '../pilot/run.js';

/** The shared sample PDFs beside the project (this file is dist/cli/commands/pilot.js). */
const DEFAULT_SAMPLES = fileURLToPath(new URL('../../../../shared/samples/pdf', import.meta.url));

export function registerPilot(program: Command): void {
  program
    .command('pilot')
    .summary('run the pilot scenario over HTTP and check every outcome')
    .description(
      'Runs the pilot: five registrars register authorities, national CAs, CABs, accreditations and ' +
        'signing certificates (including those found in the sample PDFs), then documents, exchanges, ' +
        'verification records, a key rotation, a suspension, a revocation, a registrar recovery and an ' +
        'exception. Without --hub it starts a hub on --data (a new temporary directory if omitted; an ' +
        'existing non-empty one is refused). It checks every receipt against the final checkpoint and ' +
        'the consistency of every checkpoint it saw, prints a summary, and exits 1 if any outcome ' +
        'differs from what the scenario expects.',
    )
    .option('--data <dir>', 'data directory for the hub the pilot starts')
    .option('--hub <url>', 'run against this hub instead of starting one')
    .option('--keys <dir>', "the hub's development keys (with --hub)")
    .option('--samples <dir>', 'directory of sample signed PDFs', DEFAULT_SAMPLES)
    .option('--json', 'print the summary as JSON')
    .action(async (options: PilotOptions) => {
      // Loaded on use: the pilot brings pdf-lib and the PKI code, which other commands do not need.
      const { runPilot } = await import('../pilot/run.js');
      await runPilot(options);
    });
}
