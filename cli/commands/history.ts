import type { Command } from 'commander';

import type { HistoryOptions } from './history-run.js';

export function registerHistory(program: Command): void {
  program
    .command('history')
    .summary('print the verified timeline of a document or an exchange')
    .description(
      'Prints every log entry naming a document (its document.register and every exchange of it) or ' +
        'one exchange: who sent and received it, when, through what channel, the delivery, the ' +
        "acknowledgement, the verification decision and any exception, each entry with its index and " +
        'an inclusion proof verified against one checkpoint signed by the log key in --vkey. ' +
        'With --hub it reads the whole log from the entry bundles, checks it against the checkpoint ' +
        'and replays the registry, so no entry is missing and every signature is checked. With a ' +
        '--receipt that carries the log (ecert receipt --with-log) it does the same offline; a receipt ' +
        'without the log shows only its own entries, marked incomplete. ' +
        'Exits 0 on success, 1 when the log does not verify or names no such document or exchange, ' +
        '2 on a usage error.',
    )
    .argument('<document-sha256|exchange-id>', "a document's SHA-256 in lowercase hex, or an exchange id")
    .option('--hub <url>', 'read the log from the hub at this URL')
    .option('--receipt <file>', 'read the entries from this receipt file (ecert receipt) instead')
    .requiredOption('--vkey <file>', "file with the log's verifier key (never taken from the hub)")
    .option('--policy <file>', 'c2sp.org/tlog-policy witness policy; defaults to the witness set in the log')
    .option('--json', 'print the timeline as JSON')
    .action(async (query: string, options: HistoryOptions) => {
      const { runHistory } = await import('./history-run.js');
      await runHistory(query, options);
    });
}
