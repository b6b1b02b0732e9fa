import type { Command } from 'commander';

import type { ExchangeReceiveBody } from '../../registry/kinds/exchange.js';
import { UsageError } from '../errors.js';
import { HubError } from '../hub-client.js';
import { checkExchangeId, openActorClient, signRecord, type ActorFlags, type EntryReceipt } from '../signed-hub-client.js';

interface AckOptions extends ActorFlags {
  warning?: string;
  negative?: string;
  json?: boolean;
}

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
      await runAck(exchangeId, options);
    });
}

async function runAck(exchangeId: string, options: AckOptions): Promise<void> {
  checkExchangeId(exchangeId, 'exchange ID');
  if (options.warning !== undefined && options.negative !== undefined) {
    throw new UsageError('give --warning or --negative, not both');
  }
  const actor = openActorClient(options);
  const body: ExchangeReceiveBody =
    options.negative !== undefined
      ? { exchangeId, acknowledgement: 'negative', reason: options.negative }
      : options.warning !== undefined
        ? { exchangeId, acknowledgement: 'warning', reason: options.warning }
        : { exchangeId, acknowledgement: 'positive' };
  const envelope = signRecord(actor, 'exchange.receive', body, { '/reason': options.negative !== undefined ? '--negative' : '--warning' });
  let receipt: EntryReceipt;
  try {
    receipt = await actor.client.postJson<EntryReceipt>(`/v1/exchanges/${exchangeId}/ack`, envelope);
  } catch (error) {
    // The hub takes an acknowledgement of a hub exchange only after the PDF was downloaded.
    if (error instanceof HubError && error.code === 'not_delivered') {
      const detail = error.message.replace(/^hub refused the request \(\d+ [a-z_]+\): /, '');
      throw new HubError(error.status, error.code, `${detail}; run \`ecert fetch ${exchangeId}\` first`);
    }
    throw error;
  }
  if (options.json) {
    process.stdout.write(JSON.stringify({ exchangeId, acknowledgement: body.acknowledgement, index: receipt.index }, null, 2) + '\n');
    return;
  }
  process.stdout.write(`acknowledged exchange ${exchangeId} (${body.acknowledgement}) at index ${receipt.index}\n`);
}
