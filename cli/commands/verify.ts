import type { Command } from 'commander';

import type { VerifyOptions } from './verify-run.js';

// Re-exported for callers that import it from here; its own module keeps this file light.
export { hubFetcher } from './hub-fetcher.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .summary('run the six checks on a signed certificate or test report')
    .description(
      'Checks a PDF: its signatures and, with --hub or --receipt, the issuing CAB, its accreditation ' +
        'and scope, the signer key registry and the log entries with their witness cosignatures. ' +
        'With --hub it reads the log from tiles and entry bundles and replays the registry itself. ' +
        'Exits 0 for TOTAL-PASSED, 1 for TOTAL-FAILED, 3 for INDETERMINATE and 2 on a usage error.',
    )
    .argument('<file>', 'the signed PDF')
    .option('--hub <url>', 'read the log from the hub at this URL')
    .option('--receipt <file>', 'read the evidence from this receipt file (ecert receipt) instead')
    .option('--vkey <file>', "file with the log's verifier key; required with --hub or --receipt")
    .option(
      '--policy <file>',
      'c2sp.org/tlog-policy witness policy; defaults to the log witness set when the log is at hand, required for a receipt without log',
    )
    .option('--require-baseline-b', 'treat a signature short of PAdES-BASELINE-B as INDETERMINATE')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, options: VerifyOptions) => {
      const { runVerify } = await import('./verify-run.js');
      process.exitCode = await runVerify(file, options);
    });
}
