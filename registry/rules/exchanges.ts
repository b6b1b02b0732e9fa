import { actorCountry } from '../formats.js';
import type { Kind } from '../kinds/index.js';
import type { ExchangeRecord } from '../records.js';
import { provenance, reject, requireSignerCountry, type RuleContext } from './context.js';

/**
 * Opens an exchange: signed by a sender of the from-country, for a registered document of that
 * country's CABs, to another participant country, under a new exchange id. The document is
 * checked last, so a hub that registers and sends a document together can check every other
 * rule before the registration is logged.
 */
export function applyExchangeSend(context: RuleContext<'exchange.send'>): void {
  const { body, state } = context;
  requireSignerCountry(context, body.from, `an exchange from ${body.from}`);
  if (!state.isParticipant(body.to)) {
    reject('unknown_country', `${body.to} is not a participant of this log`, { country: body.to });
  }
  const existing = state.exchange(body.exchangeId);
  if (existing !== undefined) {
    reject('exchange_exists', `exchange ${body.exchangeId} already exists since index ${existing.index}`, {
      exchangeId: body.exchangeId,
    });
  }
  const document = state.documentBySha256(body.documentSha256);
  if (document === undefined) {
    reject('unknown_document', `document ${body.documentSha256} is not registered`, { sha256: body.documentSha256 });
  }
  const issuerCountry = state.cabAt(document.body.issuer)?.country ?? document.body.issuer.slice(0, 2);
  if (issuerCountry !== body.from) {
    reject('wrong_country', `document ${body.documentSha256} was issued by ${document.body.issuer} of ${issuerCountry}, so only ${issuerCountry} sends it, not ${body.from}`, {
      sha256: body.documentSha256,
      issuer: document.body.issuer,
      from: body.from,
    });
  }
  const record: ExchangeRecord = {
    exchangeId: body.exchangeId,
    sender: context.signer.name,
    send: body,
    steps: [],
    acknowledged: false,
    purged: false,
    ...provenance(context),
  };
  context.writes.push({ table: 'exchange', key: body.exchangeId, value: record });
}

/** Records the hub's delivery attempt; the operator signs it. */
export function applyExchangeDeliver(context: RuleContext<'exchange.deliver'>): void {
  const exchange = requireOpenExchange(context, context.body.exchangeId);
  requireNotWithdrawn(exchange);
  appendStep(context, exchange);
}

/** Records the acknowledgement of a receiver of the to-country, once per exchange. */
export function applyExchangeReceive(context: RuleContext<'exchange.receive'>): void {
  const exchange = requireOpenExchange(context, context.body.exchangeId);
  requireReceiver(context, exchange);
  requireNotWithdrawn(exchange);
  if (exchange.acknowledged) {
    reject('exchange_acknowledged', `exchange ${exchange.exchangeId} is already acknowledged`, {
      exchangeId: exchange.exchangeId,
    });
  }
  appendStep(context, exchange, { acknowledged: true });
}

/** Records the purge of the exchange's PDF; `acknowledged` needs an acknowledgement first. */
export function applyExchangePurge(context: RuleContext<'exchange.purge'>): void {
  const exchange = requireOpenExchange(context, context.body.exchangeId);
  if (context.body.reason === 'acknowledged' && !exchange.acknowledged) {
    reject('not_acknowledged', `exchange ${exchange.exchangeId} has no acknowledgement to purge after`, {
      exchangeId: exchange.exchangeId,
    });
  }
  appendStep(context, exchange, { purged: true });
}

/**
 * Records an exception raised by a sender of the from-country or a receiver of the to-country.
 * Only the sender may withdraw, once, and not after the receiver acknowledged.
 */
export function applyExchangeException(context: RuleContext<'exchange.exception'>): void {
  const exchange = requireExchange(context, context.body.exchangeId);
  const country = actorCountry(context.signer.name);
  const roles: readonly string[] = context.signer.roles;
  const isSender = roles.includes('sender') && country === exchange.send.from;
  const isReceiver = roles.includes('receiver') && country === exchange.send.to;
  if (!isSender && !isReceiver) {
    reject('not_party', `${context.signer.name} is neither a sender of ${exchange.send.from} nor a receiver of ${exchange.send.to}`, {
      actor: context.signer.name,
      exchangeId: exchange.exchangeId,
    });
  }
  if (context.body.reason === 'withdrawn') {
    if (!isSender) {
      reject('not_sender', `only a sender of ${exchange.send.from} may withdraw exchange ${exchange.exchangeId}`, {
        actor: context.signer.name,
        exchangeId: exchange.exchangeId,
      });
    }
    requireNotWithdrawn(exchange);
    if (exchange.acknowledged) {
      reject('exchange_acknowledged', `exchange ${exchange.exchangeId} is already acknowledged and cannot be withdrawn`, {
        exchangeId: exchange.exchangeId,
      });
    }
  }
  appendStep(context, exchange);
}

/**
 * Records a receiver's verification: for the exchange's document, against a checkpoint
 * that existed before this entry.
 */
export function applyVerificationRecord(context: RuleContext<'verification.record'>): void {
  const { body } = context;
  const exchange = requireExchange(context, body.exchangeId);
  requireReceiver(context, exchange);
  if (body.documentSha256 !== exchange.send.documentSha256) {
    reject('document_mismatch', `exchange ${exchange.exchangeId} carries ${exchange.send.documentSha256}, not ${body.documentSha256}`, {
      exchangeId: exchange.exchangeId,
      documentSha256: body.documentSha256,
      expected: exchange.send.documentSha256,
    });
  }
  if (body.checkpointSize > context.index) {
    reject('invalid_checkpoint_size', `checkpoint size ${body.checkpointSize} exceeds the log size ${context.index}`, {
      checkpointSize: body.checkpointSize,
      logSize: context.index,
    });
  }
  appendStep(context, exchange);
}

function requireExchange(context: RuleContext, exchangeId: string): ExchangeRecord {
  const exchange = context.state.exchange(exchangeId);
  if (exchange === undefined) reject('unknown_exchange', `exchange ${exchangeId} does not exist`, { exchangeId });
  return exchange;
}

function requireOpenExchange(context: RuleContext, exchangeId: string): ExchangeRecord {
  const exchange = requireExchange(context, exchangeId);
  if (exchange.purged) reject('exchange_purged', `exchange ${exchangeId} is already purged`, { exchangeId });
  return exchange;
}

function requireNotWithdrawn(exchange: ExchangeRecord): void {
  const withdrawal = exchange.steps.find(
    (step) => step.kind === 'exchange.exception' && (step.body as { reason?: string }).reason === 'withdrawn',
  );
  if (withdrawal !== undefined) {
    reject('exchange_withdrawn', `exchange ${exchange.exchangeId} was withdrawn at index ${withdrawal.index}`, {
      exchangeId: exchange.exchangeId,
      withdrawnAt: withdrawal.index,
    });
  }
}

function requireReceiver(context: RuleContext, exchange: ExchangeRecord): void {
  const { signer } = context;
  if (!signer.roles.includes('receiver') || actorCountry(signer.name) !== exchange.send.to) {
    reject('not_receiver', `${signer.name} is not a receiver of ${exchange.send.to}, the exchange's destination`, {
      actor: signer.name,
      exchangeId: exchange.exchangeId,
      to: exchange.send.to,
    });
  }
}

function appendStep(
  context: RuleContext,
  exchange: ExchangeRecord,
  flags: Partial<Pick<ExchangeRecord, 'acknowledged' | 'purged'>> = {},
): void {
  const step = {
    kind: context.envelope.kind as Kind,
    actor: context.signer.name,
    body: context.body,
    ...provenance(context),
  };
  context.writes.push({
    table: 'exchange',
    key: exchange.exchangeId,
    value: { ...exchange, ...flags, steps: [...exchange.steps, step] },
  });
}
