import type { FastifyInstance } from 'fastify';

import { formatUtcTime } from '../../registry/formats.js';
import { exchangeIdSchema } from '../../registry/kinds/common.js';
import { validateEnvelope } from '../../registry/envelope.js';
import type { ExchangeView } from '../../registry/exchange-view.js';
import { formatContentDigest } from '../http-signature/content-digest.js';
import type { RequestVerifier } from '../http-signature/verify.js';
import { registerExchangePartsParser } from '../exchanges/multipart.js';
import { MAX_INBOX_PAGE, type ExchangeService, type InboxFilter, type SendRequest } from '../exchanges/service.js';
import { requireSignedRequests, signerOf } from '../exchanges/signed-requests.js';
import type { WebhookRegistry } from '../exchanges/webhooks.js';
import { countSchema, errorSchema, receiptJson } from '../params.js';

/** Body limit of the JSON routes: one envelope, as at `POST /v1/entries`. */
const ENVELOPE_BODY_LIMIT = 80 * 1024;

const exchangeParams = {
  type: 'object',
  properties: { id: exchangeIdSchema },
  required: ['id'],
} as const;

const signedRequestNote =
  'Signed under RFC 9421 with the actor\'s registered Ed25519 key: label `ecert`, components "@method" "@path" "@query" "content-digest", ' +
  'parameters created, nonce, keyid (`<actor>+<hexid>`) and alg "ed25519".';

export interface ExchangeRouteOptions {
  service: ExchangeService;
  verifier: RequestVerifier;
  webhooks: WebhookRegistry;
  /** Called after an exchange was logged, to push it to the receiver's webhook. */
  onSent?: (exchange: ExchangeView) => void;
  /** Called after a country set its webhook, to push what waits in its inbox. */
  onWebhookSet?: (country: string) => void;
}

/**
 * Document transfer: upload, inbox, download, acknowledgement, exceptions and push webhooks.
 * Every route requires a signed request, so they live in their own plugin scope.
 */
export async function registerExchangeRoutes(app: FastifyInstance, options: ExchangeRouteOptions): Promise<void> {
  await app.register(async (scope) => {
    requireSignedRequests(scope, options.verifier);
    registerExchangePartsParser(scope, options.service.store);
    registerTransferRoutes(scope, options);
    registerWebhookRoutes(scope, options);
  });
}

function registerTransferRoutes(app: FastifyInstance, { service, onSent }: ExchangeRouteOptions): void {
  app.post(
    '/v1/exchanges',
    {
      schema: {
        summary: 'Upload a signed PDF and log its exchange',
        description:
          'multipart/form-data with the parts register (optional signed document.register), send (signed exchange.send, channel hub) ' +
          'and document (the PDF). ' + signedRequestNote,
        consumes: ['multipart/form-data'],
        response: { '4xx': errorSchema, '5xx': errorSchema },
      },
    },
    async (request, reply) => {
      const result = await service.send(signerOf(request), request.body as SendRequest);
      if (result.created) onSent?.(result.exchange);
      void reply.code(result.created ? 201 : 200);
      return {
        exchange: result.exchange,
        ...(result.register === undefined ? {} : { register: receiptJson(result.register) }),
        send: receiptJson(result.send),
      };
    },
  );

  app.get(
    '/v1/inbox',
    {
      schema: {
        summary: "The exchanges sent to the signer's country, in log order, at most `limit` (default 1000) after index `after`",
        description: signedRequestNote,
        querystring: {
          type: 'object',
          properties: {
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
            status: { type: 'string', enum: ['pending', 'delivered', 'open', 'all'] },
            limit: { type: 'integer', minimum: 1, maximum: MAX_INBOX_PAGE },
            after: countSchema,
          },
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const query = request.query as { country?: string; status?: InboxFilter; limit?: number; after?: number };
      return service.inbox(signerOf(request), query.country, query.status ?? 'open', { limit: query.limit, after: query.after });
    },
  );

  app.get(
    '/v1/exchanges/:id',
    { schema: { summary: 'One exchange with its status, as the log gives it', description: signedRequestNote, params: exchangeParams, response: { '4xx': errorSchema } } },
    async (request) => service.viewFor(signerOf(request), (request.params as { id: string }).id),
  );

  app.get(
    '/v1/exchanges/:id/document',
    {
      schema: {
        summary: "Download the exchange's PDF; the first download logs the hub's exchange.deliver",
        description: signedRequestNote,
        params: exchangeParams,
        response: { '4xx': errorSchema, '5xx': errorSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const result = await service.download(signerOf(request), id);
      void reply
        .header('content-type', 'application/pdf')
        .header('content-digest', formatContentDigest(result.bytes))
        .header('ecert-document-sha256', result.exchange.documentSha256)
        .header('ecert-delivery-index', String(result.deliveredIndex))
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${id}.pdf"`);
      return reply.send(Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength));
    },
  );

  app.post(
    '/v1/exchanges/:id/ack',
    envelopeRoute("Log the receiver's signed exchange.receive (positive, warning or negative)"),
    async (request) => {
      const { id } = request.params as { id: string };
      return receiptJson(await service.acknowledge(signerOf(request), id, validateEnvelope(request.body)));
    },
  );

  app.post(
    '/v1/exchanges/:id/exceptions',
    envelopeRoute("Log a party's signed exchange.exception: query, resend, withdrawn or rejected"),
    async (request) => {
      const { id } = request.params as { id: string };
      return receiptJson(await service.raiseException(signerOf(request), id, validateEnvelope(request.body)));
    },
  );
}

/** Builds the options of a route whose JSON body is one signed envelope about exchange `:id`. */
function envelopeRoute(summary: string) {
  return {
    bodyLimit: ENVELOPE_BODY_LIMIT,
    schema: {
      summary,
      description: signedRequestNote,
      params: exchangeParams,
      body: { type: 'object' },
      response: { '4xx': errorSchema },
    },
  };
}

function registerWebhookRoutes(app: FastifyInstance, { service, webhooks, onWebhookSet }: ExchangeRouteOptions): void {
  app.get(
    '/v1/inbox/webhook',
    { schema: { summary: "The push URL of the signer's country", description: signedRequestNote, response: { '4xx': errorSchema } } },
    async (request) => {
      const country = webhooks.requireOwner(signerOf(request));
      const entry = webhooks.get(country);
      return { country, url: entry?.url ?? null, ...(entry === undefined ? {} : { setBy: entry.setBy, setAt: formatUtcTime(entry.setAt) }) };
    },
  );

  app.put(
    '/v1/inbox/webhook',
    {
      bodyLimit: 4096,
      schema: {
        summary: "Set the push URL of the signer's country",
        description: signedRequestNote,
        body: {
          type: 'object',
          properties: { url: { type: 'string', maxLength: 2048 } },
          required: ['url'],
          additionalProperties: false,
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const signer = signerOf(request);
      const country = webhooks.requireOwner(signer);
      const entry = await webhooks.set(country, (request.body as { url: string }).url, signer.actor, service.hub.now());
      onWebhookSet?.(country);
      return { country, url: entry.url, setBy: entry.setBy, setAt: formatUtcTime(entry.setAt) };
    },
  );

  app.delete(
    '/v1/inbox/webhook',
    { schema: { summary: "Remove the push URL of the signer's country", description: signedRequestNote, response: { '4xx': errorSchema } } },
    async (request) => {
      const country = webhooks.requireOwner(signerOf(request));
      await webhooks.remove(country);
      return { country, url: null };
    },
  );
}
