import type { Command } from 'commander';

import type { VerifyReceiptOptions } from './verify-receipt-run.js';

export function registerVerifyReceipt(program: Command): void {
  program
    .command('verify-receipt')
    .summary("check an entry's receipt offline")
    .description(
      'Checks a c2sp.org/tlog-proof receipt whose extra line carries the entry: the checkpoint is ' +
        "signed by the log key in --vkey, and the entry's leaf hash is included in that checkpoint. " +
        'Needs no network. Exits 0 when the receipt verifies, 1 when it does not, 2 on a usage error.',
    )
    .argument('<receipt>', 'receipt file (.tlog-proof text)')
    .requiredOption('--vkey <file>', "file with the log's verifier key")
    .option('--json', 'print the result as JSON')
    .action(async (receiptPath: string, options: VerifyReceiptOptions) => {
      const { runVerifyReceipt } = await import('./verify-receipt-run.js');
      runVerifyReceipt(receiptPath, options);
    });
}
