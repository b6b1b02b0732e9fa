import type { Command } from 'commander';

import type { AckOptions } from './ack-run.js';

export function registerAck(program: Command): void {
  program
    .command('ack')
    .summary('acknowledge a received exchange')
    .description(
      "Signs the receiver's exchange.receive for the exchange and posts it to " +
        '/v1/exchanges/<id>/ack: positive by default, a warning with --warning, negative with ' +
        '--negative, each with its reason. The hub takes it only after the PDF was downloaded (ecert ' +
        'fetch), and once per exchange. Prints the entry index. Exits 1 when the hub rejects the ' +
        'request, 2 on a usage error.',
    )
    .argument('<exchange-id>', 'the exchange to acknowledge')
    .option('--warning <text>', 'acknowledge with a warning, giving its reason')
    .option('--negative <text>', 'acknowledge negatively, giving the reason')
    .requiredOption('--key <file>', "the receiving authority's private key file (its name is the actor)")
    .option('--hub <url>', 'hub base URL', 'http://127.0.0.1:8080')
    .option('--json', 'print the result as JSON')
    .action(async (exchangeId: string, options: AckOptions) => {
      const { runAck } = await import('./ack-run.js');
      await runAck(exchangeId, options);
    });
}
