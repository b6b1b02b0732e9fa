import { Option, type Command } from 'commander';

import { EXCEPTION_REASONS } from '../../registry/kinds/exchange.js';
import type { ExceptionOptions } from './exception-run.js';

export function registerException(program: Command): void {
  program
    .command('exception')
    .summary('raise a query, resend, withdrawal or rejection on an exchange')
    .description(
      'Signs an exchange.exception and posts it to /v1/exchanges/<id>/exceptions. The sender or the ' +
        'receiver may raise query, resend or rejected; only the sender may raise withdrawn. Prints the ' +
        'entry index. Exits 1 when the hub rejects the request, 2 on a usage error.',
    )
    .argument('<exchange-id>', 'the exchange concerned')
    .addOption(new Option('--reason <reason>', 'the exception').choices(EXCEPTION_REASONS).makeOptionMandatory())
    .requiredOption('--text <text>', 'explanation for the other party, up to 2000 characters')
    .requiredOption('--key <file>', "the authority's private key file (its name is the actor)")
    .option('--hub <url>', 'hub base URL', 'http://127.0.0.1:8080')
    .option('--json', 'print the result as JSON')
    .action(async (exchangeId: string, options: ExceptionOptions) => {
      const { runException } = await import('./exception-run.js');
      await runException(exchangeId, options);
    });
}
