import type { ExchangeReceiveBody } from '../../registry/kinds/exchange.js';
import { UsageError } from '../errors.js';
import { HubError } from '../hub-client.js';
import { checkExchangeId, openActorClient, signRecord, type ActorFlags, type EntryReceipt } from '../signed-hub-client.js';

export interface AckOptions extends ActorFlags {
  warning?: string;
  negative?: string;
  json?: boolean;
}

export async function runAck(exchangeId: string, options: AckOptions): Promise<void> {
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
