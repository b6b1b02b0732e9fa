import type { ExchangeExceptionBody } from '../../registry/kinds/exchange.js';
import { checkExchangeId, openActorClient, signRecord, type ActorFlags, type EntryReceipt } from '../signed-hub-client.js';

export interface ExceptionOptions extends ActorFlags {
  reason: ExchangeExceptionBody['reason'];
  text: string;
  json?: boolean;
}

export async function runException(exchangeId: string, options: ExceptionOptions): Promise<void> {
  checkExchangeId(exchangeId, 'exchange ID');
  const actor = openActorClient(options);
  const envelope = signRecord(actor, 'exchange.exception', { exchangeId, reason: options.reason, text: options.text }, { '/text': '--text' });
  const receipt = await actor.client.postJson<EntryReceipt>(`/v1/exchanges/${exchangeId}/exceptions`, envelope);
  if (options.json) {
    process.stdout.write(JSON.stringify({ exchangeId, reason: options.reason, index: receipt.index }, null, 2) + '\n');
    return;
  }
  process.stdout.write(`exception ${options.reason} on exchange ${exchangeId} logged at index ${receipt.index}\n`);
}
