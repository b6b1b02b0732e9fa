import { Option, type Command } from 'commander';

import type { InboxOptions } from './inbox-run.js';

const INBOX_STATUSES = ['pending', 'delivered', 'open', 'all'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

export function registerInbox(program: Command): void {
  program
    .command('inbox')
    .summary("list the exchanges sent to the key's country, or set its push webhook")
    .description(
      "Lists the exchanges sent to the country of the receiver key in --key, in log order, from GET " +
        '/v1/inbox: ID, sending country, subject, status, index of the exchange.send entry and its ' +
        'log time. The default --status open leaves out acknowledged, withdrawn and purged exchanges. ' +
        "--webhook URL sets the address the hub pushes each new exchange's PDF to; --no-webhook " +
        'removes it. Exits 1 when the hub rejects the request, 2 on a usage error.',
    )
    .addOption(new Option('--status <status>', 'which exchanges to list (default: open)').choices(INBOX_STATUSES))
    .option('--country <country>', "the inbox's country (default: the key's country; others are refused)")
    .option('--webhook <url>', "set the country's push webhook to this http or https URL")
    .option('--no-webhook', "remove the country's push webhook")
    .requiredOption('--key <file>', "the receiving authority's private key file (its name is the actor)")
    .option('--hub <url>', 'hub base URL', 'http://127.0.0.1:8080')
    .option('--json', 'print the result as JSON')
    .action(async (options: InboxOptions) => {
      const { runInbox } = await import('./inbox-run.js');
      await runInbox(options);
    });
}
