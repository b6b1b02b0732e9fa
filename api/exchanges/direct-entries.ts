import type { SignedEnvelope } from '../../registry/envelope.js';
import type { RegistryState } from '../../registry/state.js';
import { ApiError } from '../errors.js';

/**
 * Rejects at `POST /v1/entries` the exchange entries that only the transfer endpoints may log:
 * a hub exchange is logged only with its PDF stored, only the hub records its deliveries and
 * purges, and a receiver acknowledges only what was delivered. Exchanges over other channels
 * (`exchange.send` with a channel other than `hub`) are recorded here as they happened elsewhere.
 */
export function checkDirectSubmission(state: RegistryState, envelope: SignedEnvelope): void {
  const body = envelope.body as { exchangeId?: string; channel?: string };
  switch (envelope.kind) {
    case 'exchange.send':
      if (body.channel === 'hub') {
        throw new ApiError(409, 'use_exchange_endpoint', 'an exchange.send with channel hub is logged by POST /v1/exchanges together with its PDF');
      }
      return;
    case 'exchange.deliver':
    case 'exchange.purge':
      if (isHubExchange(state, body.exchangeId)) {
        throw new ApiError(409, 'use_exchange_endpoint', `the hub logs ${envelope.kind} of its own exchanges; exchange ${body.exchangeId} went through the hub`);
      }
      return;
    case 'exchange.receive': {
      const exchange = body.exchangeId === undefined ? undefined : state.exchange(body.exchangeId);
      const delivered = exchange?.steps.some((step) => step.kind === 'exchange.deliver' && (step.body as { status?: string }).status === 'delivered');
      if (exchange?.send.channel === 'hub' && !delivered) {
        throw new ApiError(409, 'not_delivered', `exchange ${body.exchangeId} has not been delivered yet; download its PDF before acknowledging`);
      }
      return;
    }
    default:
      return;
  }
}

function isHubExchange(state: RegistryState, exchangeId: string | undefined): boolean {
  return exchangeId !== undefined && state.exchange(exchangeId)?.send.channel === 'hub';
}
