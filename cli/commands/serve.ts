import type { Command } from 'commander';

import { EXCHANGE_FLAG_HELP } from './serve-exchange-flags.js';
import type { ServeFlags } from './serve-run.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .summary('run the hub')
    .description(
      'Runs the hub on a data directory. An empty or missing directory gets a development setup: ' +
        'a log key, a genesis for UZ, AZ, KG, PK and TJ, and every participant\'s keys in DIR/dev-keys/. ' +
        'For production, prepare the directory with `ecert init` first.',
    )
    .option('--data <dir>', 'data directory', './data')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'TCP port to listen on (0 picks a free one)', '8080')
    .option('--batch-size <n>', 'most entries per integration', '256')
    .option('--batch-interval <ms>', 'milliseconds an integration waits for more submissions', '200')
    .option(
      '--witness <url>',
      "a witness's base URL to push each new checkpoint to; its key must be a registered witness key. Repeat for several",
      (url: string, previous: string[]) => [...previous, url],
      [],
    )
    .option('--operator-key <file>', EXCHANGE_FLAG_HELP.operatorKey)
    .option('--max-document-size <MiB>', EXCHANGE_FLAG_HELP.maxDocumentSize, '20')
    .option('--storage-quota <MiB>', EXCHANGE_FLAG_HELP.storageQuota, '10240')
    .option('--max-uploads <n>', EXCHANGE_FLAG_HELP.maxUploads, '16')
    .option('--retention <days>', EXCHANGE_FLAG_HELP.retention, '14')
    .option('--collection-limit <days>', EXCHANGE_FLAG_HELP.collectionLimit, '30')
    .action(async (options: ServeFlags) => {
      const { runServe } = await import('./serve-run.js');
      await runServe(options);
    });
}
