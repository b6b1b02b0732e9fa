import {
  bodySchema,
  countrySchema,
  exchangeIdSchema,
  integer,
  multilineText,
  oneOfValues,
  record,
  sha256Schema,
  text,
  type JsonSchema,
} from './common.js';

export const DELIVERY_STATUSES = ['delivered', 'failed'] as const;
export const ACKNOWLEDGEMENTS = ['positive', 'warning', 'negative'] as const;
export const PURGE_REASONS = ['acknowledged', 'not-collected'] as const;
export const EXCEPTION_REASONS = ['query', 'resend', 'withdrawn', 'rejected'] as const;

export interface ExchangeSendBody {
  exchangeId: string;
  documentSha256: string;
  from: string;
  to: string;
  /** Transport used, e.g. `hub` for the hub's inbox. */
  channel: string;
  header: { subject: string; reference?: string; note?: string };
}

export interface ExchangeDeliverBody {
  exchangeId: string;
  status: (typeof DELIVERY_STATUSES)[number];
  attempts: number;
}

export interface ExchangeReceiveBody {
  exchangeId: string;
  acknowledgement: (typeof ACKNOWLEDGEMENTS)[number];
  reason?: string;
}

export interface ExchangePurgeBody {
  exchangeId: string;
  reason: (typeof PURGE_REASONS)[number];
}

export interface ExchangeExceptionBody {
  exchangeId: string;
  reason: (typeof EXCEPTION_REASONS)[number];
  text: string;
}

export const exchangeSendSchema: JsonSchema = bodySchema(
  'exchange.send',
  'Sends a registered document from one participant country to another.',
  {
    exchangeId: exchangeIdSchema,
    documentSha256: sha256Schema,
    from: countrySchema,
    to: countrySchema,
    channel: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,31}$' },
    header: record({ subject: text(300), reference: text(100), note: multilineText(2000) }, ['subject']),
  },
  ['exchangeId', 'documentSha256', 'from', 'to', 'channel', 'header'],
);

export const exchangeDeliverSchema: JsonSchema = bodySchema(
  'exchange.deliver',
  "Records the hub's delivery outcome of an exchange.",
  { exchangeId: exchangeIdSchema, status: oneOfValues(DELIVERY_STATUSES), attempts: integer(1, 1000) },
  ['exchangeId', 'status', 'attempts'],
);

export const exchangeReceiveSchema: JsonSchema = bodySchema(
  'exchange.receive',
  "Records the receiver's acknowledgement of an exchange.",
  { exchangeId: exchangeIdSchema, acknowledgement: oneOfValues(ACKNOWLEDGEMENTS), reason: text(500) },
  ['exchangeId', 'acknowledgement'],
);

export const exchangePurgeSchema: JsonSchema = bodySchema(
  'exchange.purge',
  "Records that the hub deleted the exchange's PDF; the hash in the log remains.",
  { exchangeId: exchangeIdSchema, reason: oneOfValues(PURGE_REASONS) },
  ['exchangeId', 'reason'],
);

export const exchangeExceptionSchema: JsonSchema = bodySchema(
  'exchange.exception',
  'Raises a query, resend request, withdrawal or rejection on an exchange.',
  { exchangeId: exchangeIdSchema, reason: oneOfValues(EXCEPTION_REASONS), text: multilineText(2000) },
  ['exchangeId', 'reason', 'text'],
);
