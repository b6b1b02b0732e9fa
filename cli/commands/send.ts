import { Option, type Command } from 'commander';

import { DOCUMENT_TYPES } from '../../registry/kinds/document.js';
import type { SendOptions } from './send-run.js';

export function registerSend(program: Command): void {
  program
    .command('send')
    .summary('send a signed PDF to another country through the hub')
    .description(
      "Computes the PDF's SHA-256 and asks the hub whether that document is registered. If not, it " +
        'signs a document.register from --type, --number, --issuer, --hs, --description and ' +
        '--issued-on (all required then) and the optional flags. It signs an exchange.send from the ' +
        "key's country to --to over the hub channel and uploads both with the PDF to POST " +
        '/v1/exchanges, in a request signed under RFC 9421. With --resend OLD the new exchange refers ' +
        'to OLD and, once it is logged, an exchange.exception with reason resend is logged on OLD. ' +
        'Prints the exchange ID, its status and the entry indexes. Exits 1 when the hub rejects a ' +
        'request, 2 on a usage error.',
    )
    .argument('<file>', 'the signed PDF')
    .requiredOption('--to <country>', 'receiving country, ISO 3166-1 alpha-2 (e.g. KG)')
    .addOption(new Option('--type <type>', 'document type: CC certificate of conformity, TR test report').choices(DOCUMENT_TYPES))
    .option('--number <number>', "the document's number as its issuer wrote it")
    .option('--issuer <cab-code>', 'code of the issuing CAB, e.g. UZ-UZAC-0042')
    .option('--hs <codes>', 'HS codes of the product, 2 to 10 digits each, separated by commas')
    .option('--regulation <text>', 'a technical regulation the document covers (repeatable)', collect, [])
    .option('--standard <text>', 'a standard the document covers (repeatable)', collect, [])
    .option('--description <text>', 'product description')
    .option('--issued-on <date>', 'issue date, YYYY-MM-DD')
    .option('--valid-until <date>', 'end of validity, YYYY-MM-DD')
    .option('--subject <text>', 'subject of the exchange (default: "<type> <number>")')
    .option('--reference <id>', 'reference to put in the exchange header')
    .option('--note <text>', 'a note to the receiver, in the exchange header')
    .option('--resend <exchange-id>', 'replace this earlier exchange: refer to it and log a resend exception on it')
    .option('--exchange-id <id>', 'exchange ID to use (default: a new random one)')
    .requiredOption('--key <file>', "the sending authority's private key file (its name is the actor)")
    .option('--hub <url>', 'hub base URL', 'http://127.0.0.1:8080')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: SendOptions) => {
      const { runSend } = await import('./send-run.js');
      await runSend(file, options);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
