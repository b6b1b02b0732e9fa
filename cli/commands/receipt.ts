import type { Command } from 'commander';

import type { NoteVerifier } from '../../ledger/note.js';
import type { Receipt } from '../../verifier/receipt.js';
import type { HubClient } from '../hub-client.js';
import type { ReceiptOptions } from './receipt-run.js';

/**
 * Builds a document's verified receipt from a hub, as `ecert receipt` does, loading the verifier
 * on the first call.
 * @throws CliError (exit 1) when the hub's response does not verify, HubError when the hub rejects the request.
 */
export async function fetchReceipt(client: HubClient, sha256: string, logKey: NoteVerifier, withLog: boolean): Promise<Receipt> {
  const run = await import('./receipt-run.js');
  return run.fetchReceipt(client, sha256, logKey, withLog);
}

export function registerReceipt(program: Command): void {
  program
    .command('receipt')
    .summary("write a document's receipt file for offline verification")
    .description(
      'Fetches every entry naming the document with its inclusion proof to one checkpoint, checks ' +
        "them with the log key in --vkey and writes an ecert-receipt/v1 file. With --with-log the file " +
        'also carries every entry up to that checkpoint, so `ecert verify --receipt` can decide all six ' +
        'checks offline. Exits 1 when the hub\'s response does not verify, 2 on a usage error.',
    )
    .argument('<sha256>', "the document's SHA-256, lowercase hex")
    .requiredOption('--hub <url>', 'hub base URL')
    .requiredOption('--vkey <file>', "file with the log's verifier key (never taken from the hub)")
    .option('--with-log', 'include every log entry up to the checkpoint')
    .requiredOption('-o, --output <file>', 'receipt file to write')
    .action(async (sha256: string, options: ReceiptOptions) => {
      const { runReceipt } = await import('./receipt-run.js');
      await runReceipt(sha256, options);
    });
}
