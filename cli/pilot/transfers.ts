import { createHash } from 'node:crypto';

import type { ExchangeView } from '../../registry/exchange-view.js';
import type { BodyOfKind } from '../../registry/kinds/index.js';
import { HubError } from '../hub-client.js';
import { SignedHubClient } from '../signed-hub-client.js';
import type { PilotContext } from './context.js';
import type { Expectation } from './outcomes.js';
import type { LoggedReceipt, ReceiptAnswer } from './session.js';

/** An exchange of a registered document between two authorities. */
export interface TransferPlan {
  exchangeId: string;
  from: string;
  to: string;
  documentSha256: string;
  pdf: Uint8Array;
  subject: string;
}

interface SendAnswer {
  exchange: ExchangeView;
  send: ReceiptAnswer;
}

/**
 * The pilot's use of the hub's transfer endpoints, each request signed under RFC 9421 by the
 * acting authority, with every outcome recorded against the scenario's expectation. Entries the
 * hub logs itself (`exchange.deliver`) are recorded from the index it reports.
 */
export class PilotTransfers {
  readonly #context: PilotContext;
  readonly #clients = new Map<string, SignedHubClient>();

  constructor(context: PilotContext) {
    this.#context = context;
  }

  /** Returns the actor's signed client, creating it on first use. */
  client(actor: string): SignedHubClient {
    let client = this.#clients.get(actor);
    if (client === undefined) {
      client = new SignedHubClient(this.#context.session.client, this.#context.session.keys.key(actor));
      this.#clients.set(actor, client);
    }
    return client;
  }

  /** Uploads the PDF with the sender's signed `exchange.send` (the document is registered already). */
  async send(plan: TransferPlan, expect: Expectation = 'accepted', requestActor = `authority:${plan.from}`): Promise<LoggedReceipt | undefined> {
    const { session } = this.#context;
    const body: BodyOfKind['exchange.send'] = {
      exchangeId: plan.exchangeId,
      documentSha256: plan.documentSha256,
      from: plan.from,
      to: plan.to,
      channel: 'hub',
      header: { subject: plan.subject, reference: plan.exchangeId },
    };
    const envelope = session.sign('exchange.send', body, `authority:${plan.from}`);
    const step = requestActor === envelope.actor ? `send ${plan.exchangeId} from ${plan.from} to ${plan.to}` : `reject ${requestActor} uploading ${plan.exchangeId} for ${plan.from}`;
    return session.logThrough(step, envelope, expect, async () => {
      const form = new FormData();
      form.append('send', new Blob([JSON.stringify(envelope)], { type: 'application/json' }), 'send.json');
      form.append('document', new Blob([plan.pdf], { type: 'application/pdf' }), `${plan.exchangeId}.pdf`);
      const { answer } = await this.client(requestActor).postForm<SendAnswer>('/v1/exchanges', form);
      return answer.send;
    });
  }

  /** Downloads the PDF as the receiver, checks its hash, and records the hub's delivery entry. */
  async download(plan: TransferPlan): Promise<boolean> {
    const { outcomes } = this.#context;
    const step = `download ${plan.exchangeId} as authority:${plan.to}`;
    try {
      const response = await this.client(`authority:${plan.to}`).request('GET', `/v1/exchanges/${plan.exchangeId}/document`);
      const sha256 = createHash('sha256').update(response.body).digest('hex');
      outcomes.compare(`${step}: SHA-256 of the PDF`, plan.documentSha256, sha256);
      outcomes.submission(`deliver ${plan.exchangeId}`, 'exchange.deliver', 'accepted', 'accepted', `logged by the hub at index ${response.headers.get('ecert-delivery-index')}`);
      return sha256 === plan.documentSha256;
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      outcomes.submission(step, 'exchange.deliver', 'accepted', error.code, error.message);
      return false;
    }
  }

  /** Signs and posts an acknowledgement (`exchange.receive`) as `actor`. */
  acknowledge(step: string, exchangeId: string, body: BodyOfKind['exchange.receive'], actor: string, expect: Expectation = 'accepted'): Promise<LoggedReceipt | undefined> {
    const { session } = this.#context;
    const envelope = session.sign('exchange.receive', body, actor);
    return session.logThrough(step, envelope, expect, () => this.client(actor).postJson<ReceiptAnswer>(`/v1/exchanges/${exchangeId}/ack`, envelope));
  }

  /** Signs and posts an `exchange.exception` as `actor`. */
  exception(step: string, body: BodyOfKind['exchange.exception'], actor: string, expect: Expectation = 'accepted'): Promise<LoggedReceipt | undefined> {
    const { session } = this.#context;
    const envelope = session.sign('exchange.exception', body, actor);
    return session.logThrough(step, envelope, expect, () => this.client(actor).postJson<ReceiptAnswer>(`/v1/exchanges/${body.exchangeId}/exceptions`, envelope));
  }

  /** Reads an inbox as `actor` and records the outcome: the exchange IDs, or the refusal's code. */
  async inbox(step: string, actor: string, country: string, expect: Expectation = 'accepted'): Promise<string[]> {
    const { outcomes } = this.#context;
    try {
      const answer = await this.client(actor).getJson<{ exchanges: ExchangeView[] }>(`/v1/inbox?country=${country}&status=all`);
      outcomes.compare(step, expect, 'accepted');
      return answer.exchanges.map((exchange) => exchange.exchangeId);
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      outcomes.compare(step, expect, error.code, error.message);
      return [];
    }
  }

  /** Reads an exchange's status from the hub as `actor`. */
  view(exchangeId: string, actor: string): Promise<ExchangeView> {
    return this.client(actor).getJson<ExchangeView>(`/v1/exchanges/${exchangeId}`);
  }
}
