import type { Command } from 'commander';

import type { FetchOptions } from './fetch-run.js';

export function registerFetch(program: Command): void {
  program
    .command('fetch')
    .summary("download an exchange's PDF")
    .description(
      "Reads the exchange (GET /v1/exchanges/<id>) for the document SHA-256 its exchange.send logged, " +
        'then downloads the PDF. The first download logs the delivery. Before writing anything it ' +
        "checks the bytes' SHA-256 against that hash, the Content-Digest header and the " +
        'Ecert-Document-Sha256 header; then it writes the file through a temporary file and a rename, ' +
        'replacing any file of that name. Prints the path and the index of the delivery entry. Exits 1 ' +
        'when the hub rejects the request or the bytes do not match, 2 on a usage error.',
    )
    .argument('<exchange-id>', 'the exchange to download')
    .option('-o, --output <file>', 'file to write (default: <exchange-id>.pdf in the current directory)')
    .requiredOption('--key <file>', "the receiving authority's private key file (its name is the actor)")
    .option('--hub <url>', 'hub base URL', 'http://127.0.0.1:8080')
    .option('--json', 'print the result as JSON')
    .action(async (exchangeId: string, options: FetchOptions) => {
      const { runFetch } = await import('./fetch-run.js');
      await runFetch(exchangeId, options);
    });
}
