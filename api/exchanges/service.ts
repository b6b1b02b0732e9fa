import type { Logger } from 'pino';

import type { PrivateKey } from '../../ledger/note.js';
import { signEnvelope, type SignedEnvelope } from '../../registry/envelope.js';
import { RuleError } from '../../registry/errors.js';
import { exchangeView, isCollectable, type ExchangeView } from '../../registry/exchange-view.js';
import { actorCountry } from '../../registry/formats.js';
import type { BodyOfKind, Kind } from '../../registry/kinds/index.js';
import type { DocumentStore, DocumentUpload } from '../document-store.js';
import { ApiError } from '../errors.js';
import type { EntryReceipt, Hub } from '../hub.js';
import type { RequestSigner } from '../http-signature/verify.js';
import { KeyedMutex } from './keyed-mutex.js';

/** Days in milliseconds, for the retention defaults. */
const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_RETENTION_MS = 14 * DAY_MS;
export const DEFAULT_COLLECTION_LIMIT_MS = 30 * DAY_MS;

export interface ExchangeServiceOptions {
  /** The operator's key, which signs the hub's own `exchange.deliver` and `exchange.purge` entries. */
  operatorKey: PrivateKey;
  store: DocumentStore;
  /** Time a PDF is kept after the receiver's acknowledgement. */
  retentionMs?: number;
  /** Time a PDF is kept after upload, acknowledged or not. */
  collectionLimitMs?: number;
  logger?: Logger;
}

/** The parts of a `POST /v1/exchanges` request, once read. */
export interface SendRequest {
  register?: SignedEnvelope;
  send: SignedEnvelope;
  /** The uploaded PDF, finished (hashed and synced) but not yet visible in the store. */
  document?: { upload: DocumentUpload; sha256: string; size: number };
}

export interface SendResult {
  /** False when every entry was logged before, by an earlier try of the same request. */
  created: boolean;
  exchange: ExchangeView;
  register?: EntryReceipt;
  send: EntryReceipt;
}

export type InboxFilter = 'pending' | 'delivered' | 'open' | 'all';

/** Most exchanges one inbox read returns; `next` continues after the last one. */
export const MAX_INBOX_PAGE = 1000;

export interface InboxPage {
  /** Exchanges to return, at most MAX_INBOX_PAGE. */
  limit?: number;
  /** Returns only exchanges whose `exchange.send` index is above this one. */
  after?: number;
}

export interface InboxResult {
  country: string;
  exchanges: ExchangeView[];
  /** The `after` value of the next page, present when more exchanges match. */
  next?: number;
}

export interface DownloadResult {
  exchange: ExchangeView;
  bytes: Uint8Array;
  deliveredIndex: number;
}

/**
 * The hub's side of the document exchange: checks who may do what, keeps the PDF in the
 * document store while the log shows it is needed, and logs the hub's own entries under the
 * operator key. Every status it reports comes from the log through the registry state.
 */
export class ExchangeService {
  readonly hub: Hub;
  readonly store: DocumentStore;
  readonly retentionMs: number;
  readonly collectionLimitMs: number;
  readonly #operatorKey: PrivateKey;
  readonly #logger?: Logger;
  /** Serialises the steps on one document's stored PDF: commit then log, or purge then delete. */
  readonly #documentLocks = new KeyedMutex();
  /** Serialises the hub's deliveries of one exchange, so concurrent downloads log one. */
  readonly #exchangeLocks = new KeyedMutex();
  /**
   * IDs of the hub exchanges by receiving country and by document, in log order. Only `send`
   * logs hub exchanges (`POST /v1/entries` rejects them), so it keeps these current.
   */
  readonly #byReceiver = new Map<string, string[]>();
  readonly #byDocument = new Map<string, string[]>();
  readonly #indexed = new Set<string>();

  constructor(hub: Hub, options: ExchangeServiceOptions) {
    this.hub = hub;
    this.store = options.store;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.collectionLimitMs = options.collectionLimitMs ?? DEFAULT_COLLECTION_LIMIT_MS;
    this.#operatorKey = options.operatorKey;
    this.#logger = options.logger;
    for (const record of hub.registry.state.exchanges()) {
      if (record.send.channel === 'hub') this.#index(record.send);
    }
  }

  /** Returns the exchange's view from the log. @throws ApiError 404 `exchange_not_found`. */
  view(exchangeId: string): ExchangeView {
    const record = this.hub.registry.state.exchange(exchangeId);
    if (record === undefined) {
      throw new ApiError(404, 'exchange_not_found', `exchange ${exchangeId} is not on the log; check the exchange ID`);
    }
    return exchangeView(record);
  }

  /** Returns the view to an actor of the sending or the receiving country. */
  viewFor(signer: RequestSigner, exchangeId: string): ExchangeView {
    const view = this.view(exchangeId);
    const country = actorCountry(signer.actor);
    if (country !== view.from && country !== view.to) {
      throw new ApiError(403, 'not_party', `${signer.actor} belongs to neither ${view.from} nor ${view.to}, the parties of exchange ${exchangeId}`);
    }
    return view;
  }

  /**
   * Stores the PDF, then logs `document.register` (when given) and `exchange.send`. A retry of
   * the same request finds its entries logged and returns them. A rejected request logs nothing
   * and leaves no PDF behind.
   */
  async send(signer: RequestSigner, request: SendRequest): Promise<SendResult> {
    const { register, send, document } = request;
    try {
      requireKind(send, 'exchange.send', 'send');
      requireActor(signer, send, 'send');
      const body = send.body as BodyOfKind['exchange.send'];
      if (body.channel !== 'hub') {
        throw new ApiError(400, 'invalid_channel', `exchange.send has channel ${body.channel}; an exchange through the hub's endpoints has channel hub`);
      }
      if (register !== undefined) {
        requireKind(register, 'document.register', 'register');
        requireActor(signer, register, 'register');
        const registered = (register.body as BodyOfKind['document.register']).sha256;
        if (registered !== body.documentSha256) {
          throw new ApiError(422, 'document_hash_mismatch', `document.register names ${registered} but exchange.send names ${body.documentSha256}; both must carry the PDF's SHA-256`);
        }
      }
      const expectedSha256 = body.documentSha256;
      if (document !== undefined && document.sha256 !== expectedSha256) {
        throw new ApiError(422, 'document_hash_mismatch', `the uploaded PDF's SHA-256 is ${document.sha256}, but the exchange names ${expectedSha256}; upload the PDF that was registered`);
      }
      const registeredDocument = this.hub.registry.state.documentBySha256(expectedSha256);
      if (registeredDocument !== undefined && register === undefined && document === undefined && !this.store.has(expectedSha256)) {
        throw new ApiError(400, 'document_missing', `no PDF with SHA-256 ${expectedSha256} is stored on the hub; add the PDF as the part named document`);
      }
      if (registeredDocument === undefined && register === undefined) {
        throw new RuleError('unknown_document', `document ${expectedSha256} is not registered; add its signed document.register as the part named register`, { sha256: expectedSha256 });
      }
      if (register !== undefined && document === undefined && !this.store.has(expectedSha256)) {
        throw new ApiError(400, 'document_missing', `the request registers ${expectedSha256} but carries no PDF; add it as the part named document`);
      }
      await this.#precheck(register, send);

      return await this.#documentLocks.run(expectedSha256, async () => {
        const wasStored = this.store.has(expectedSha256);
        if (document !== undefined) await document.upload.commit();
        const sizeBefore = this.hub.size;
        try {
          const receipts = await this.hub.submitInOrder(register === undefined ? [send] : [register, send]);
          const registerReceipt = register === undefined ? undefined : receipts[0];
          const sendReceipt = receipts[receipts.length - 1]!;
          const exchange = this.view(body.exchangeId);
          if (sendReceipt.index >= sizeBefore) this.#index(body);
          this.#logger?.info({ exchangeId: body.exchangeId, from: body.from, to: body.to, index: sendReceipt.index }, 'exchange sent');
          return { created: sendReceipt.index >= sizeBefore, exchange, register: registerReceipt, send: sendReceipt };
        } catch (error) {
          if (!wasStored && !this.#isReferenced(expectedSha256)) await this.store.delete(expectedSha256);
          throw error;
        }
      });
    } finally {
      // A committed upload ignores this; any other is discarded with its reservation.
      await document?.upload.abort();
    }
  }

  /**
   * Lists the exchanges sent to `country`, which must be the signer's own: a receiver reads only
   * its country's inbox.
   */
  inbox(signer: RequestSigner, country: string | undefined, filter: InboxFilter, page: InboxPage = {}): InboxResult {
    const own = actorCountry(signer.actor);
    requireRole(signer, 'receiver', 'read an inbox');
    const target = country ?? own!;
    if (target !== own) {
      throw new ApiError(403, 'not_your_inbox', `${signer.actor} may read the inbox of ${own} only, not of ${target}`);
    }
    const limit = page.limit ?? MAX_INBOX_PAGE;
    const after = page.after ?? -1;
    const exchanges: ExchangeView[] = [];
    let more = false;
    for (const exchangeId of this.#byReceiver.get(target) ?? []) {
      const record = this.hub.registry.state.exchange(exchangeId);
      if (record === undefined || record.index <= after) continue;
      // The record's flags rule most exchanges out of an open inbox without building their view.
      if (filter !== 'all' && (record.acknowledged || record.purged)) continue;
      const view = exchangeView(record);
      if (!matchesFilter(view, filter)) continue;
      if (exchanges.length === limit) {
        more = true;
        break;
      }
      exchanges.push(view);
    }
    return more ? { country: target, exchanges, next: exchanges[exchanges.length - 1]!.sentIndex } : { country: target, exchanges };
  }

  /** Returns the hub exchanges sent to `country` (every country when omitted), in log order. */
  inboxOf(country?: string): ExchangeView[] {
    const ids = country === undefined ? [...this.#byReceiver.values()].flat() : (this.#byReceiver.get(country) ?? []);
    const views = this.#views(ids);
    // Each country's list is in log order; merged lists are sorted back into it.
    return country === undefined ? views.sort((a, b) => a.sentIndex - b.sentIndex) : views;
  }

  /**
   * Returns the PDF to a receiver of the receiving country. The first successful download logs
   * the hub's `exchange.deliver` before any byte leaves, so a PDF the receiver has is always
   * on the log as delivered.
   */
  async download(signer: RequestSigner, exchangeId: string): Promise<DownloadResult> {
    const view = this.#requireReceiver(signer, exchangeId);
    requireCollectable(view);
    const bytes = await this.store.read(view.documentSha256);
    if (bytes === undefined) {
      throw new ApiError(500, 'document_lost', `the PDF of exchange ${exchangeId} is not in the document store although the log has no purge for it; restore the store from a backup`);
    }
    const deliveredIndex = await this.recordDelivery(exchangeId, 'delivered', 1);
    return { exchange: this.view(exchangeId), bytes, deliveredIndex };
  }

  /**
   * Logs the hub's `exchange.deliver` unless a successful delivery is already logged; returns
   * the index of the delivery entry in effect. A failure is logged only while none succeeded.
   */
  async recordDelivery(exchangeId: string, status: 'delivered' | 'failed', attempts: number): Promise<number> {
    return this.#exchangeLocks.run(exchangeId, async () => {
      const view = this.view(exchangeId);
      if (view.deliveredIndex !== undefined) return view.deliveredIndex;
      requireCollectable(view);
      const receipt = await this.#submitAsOperator('exchange.deliver', { exchangeId, status, attempts });
      this.#logger?.info({ exchangeId, status, attempts, index: receipt.index }, 'exchange delivery logged');
      return receipt.index;
    });
  }

  /** Logs the receiver's signed `exchange.receive`, after the PDF was delivered. */
  async acknowledge(signer: RequestSigner, exchangeId: string, envelope: SignedEnvelope): Promise<EntryReceipt> {
    requireKind(envelope, 'exchange.receive', 'body');
    requireActor(signer, envelope, 'body');
    requireSameExchange(envelope, exchangeId);
    const view = this.#requireReceiver(signer, exchangeId);
    if (view.deliveredIndex === undefined && view.status !== 'withdrawn' && !view.purged) {
      throw new ApiError(409, 'not_delivered', `exchange ${exchangeId} has not been delivered yet; download it with GET /v1/exchanges/${exchangeId}/document before acknowledging`);
    }
    return this.hub.submit(envelope);
  }

  /** Logs a party's signed `exchange.exception` (query, resend, withdrawn or rejected). */
  async raiseException(signer: RequestSigner, exchangeId: string, envelope: SignedEnvelope): Promise<EntryReceipt> {
    requireKind(envelope, 'exchange.exception', 'body');
    requireActor(signer, envelope, 'body');
    requireSameExchange(envelope, exchangeId);
    this.viewFor(signer, exchangeId);
    return this.hub.submit(envelope);
  }

  /**
   * Logs `exchange.purge` and deletes the PDF unless another collectable exchange still needs
   * the same document. The purge is logged first, so the log never claims a PDF the hub lost.
   */
  async purge(exchangeId: string, reason: 'acknowledged' | 'not-collected'): Promise<number> {
    const documentSha256 = this.view(exchangeId).documentSha256;
    return this.#documentLocks.run(documentSha256, async () => {
      const receipt = await this.#submitAsOperator('exchange.purge', { exchangeId, reason });
      if (!this.#isReferenced(documentSha256)) await this.store.delete(documentSha256);
      this.#logger?.info({ exchangeId, reason, index: receipt.index }, 'exchange PDF purged');
      return receipt.index;
    });
  }

  /**
   * Deletes stored PDFs that no collectable exchange refers to and that are older than `graceMs`:
   * leftovers of a request that stopped between storing its PDF and logging its exchange.
   */
  async deleteOrphans(graceMs: number): Promise<string[]> {
    const now = this.hub.now();
    const deleted: string[] = [];
    for (const file of this.store.list()) {
      if (now - file.storedAt < graceMs) continue;
      await this.#documentLocks.run(file.sha256, async () => {
        if (!this.#isReferenced(file.sha256) && (await this.store.delete(file.sha256))) deleted.push(file.sha256);
      });
    }
    if (deleted.length > 0) this.#logger?.info({ count: deleted.length }, 'deleted stored PDFs that no exchange refers to');
    return deleted;
  }

  /** Tells whether any hub exchange not yet purged needs the PDF with this hash. */
  #isReferenced(documentSha256: string): boolean {
    return this.#views(this.#byDocument.get(documentSha256) ?? []).some((view) => !view.purged);
  }

  #index(send: BodyOfKind['exchange.send']): void {
    // Two identical requests in one integration both see their entry as new.
    if (this.#indexed.has(send.exchangeId)) return;
    this.#indexed.add(send.exchangeId);
    appendTo(this.#byReceiver, send.to, send.exchangeId);
    appendTo(this.#byDocument, send.documentSha256, send.exchangeId);
  }

  #views(exchangeIds: readonly string[]): ExchangeView[] {
    const views: ExchangeView[] = [];
    for (const exchangeId of exchangeIds) {
      const record = this.hub.registry.state.exchange(exchangeId);
      if (record !== undefined) views.push(exchangeView(record));
    }
    return views;
  }

  #requireReceiver(signer: RequestSigner, exchangeId: string): ExchangeView {
    const view = this.view(exchangeId);
    if (!signer.roles.includes('receiver') || actorCountry(signer.actor) !== view.to) {
      throw new ApiError(403, 'not_receiver', `${signer.actor} is not a receiver of ${view.to}, the destination of exchange ${exchangeId}`);
    }
    return view;
  }

  /**
   * Checks the envelopes against the current state before the PDF is stored, so a request the
   * rules reject stores nothing. The sequencer checks them again at their own indexes.
   */
  async #precheck(register: SignedEnvelope | undefined, send: SignedEnvelope): Promise<void> {
    const { registry } = this.hub;
    const loggedAt = this.hub.now();
    if (register !== undefined) {
      const outcome = registry.evaluate(register, loggedAt, () => false);
      if (outcome instanceof RuleError && outcome.code !== 'document_exists') throw outcome;
      if (outcome instanceof RuleError && !(await this.hub.isLogged(register))) throw outcome;
    }
    const outcome = registry.evaluate(send, loggedAt, () => false);
    if (!(outcome instanceof RuleError)) return;
    // With its register part, the document is not registered yet when the send is checked.
    if (outcome.code === 'unknown_document' && register !== undefined) return;
    if (outcome.code === 'exchange_exists' && (await this.hub.isLogged(send))) return;
    throw outcome;
  }

  async #submitAsOperator<K extends Kind>(kind: K, body: BodyOfKind[K]): Promise<EntryReceipt> {
    const envelope = signEnvelope({ kind, body, actor: 'operator' }, this.#operatorKey, { now: this.hub.now() });
    return this.hub.submit(envelope);
  }
}

function appendTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function matchesFilter(view: ExchangeView, filter: InboxFilter): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'open':
      return view.status !== 'acknowledged' && view.status !== 'withdrawn' && !view.purged;
    case 'pending':
      return (view.status === 'pending' || view.status === 'failed') && !view.purged;
    case 'delivered':
      return view.status === 'delivered' && !view.purged;
  }
}

function requireCollectable(view: ExchangeView): void {
  if (view.status === 'withdrawn') {
    throw new ApiError(410, 'exchange_withdrawn', `exchange ${view.exchangeId} was withdrawn by its sender; its PDF is no longer served`);
  }
  if (!isCollectable(view)) {
    throw new ApiError(410, 'document_purged', `the PDF of exchange ${view.exchangeId} was purged at index ${view.purgedIndex} (${view.purgeReason}); its SHA-256 ${view.documentSha256} and history stay on the log`);
  }
}

function requireKind(envelope: SignedEnvelope, kind: Kind, part: string): void {
  if (envelope.kind !== kind) {
    throw new ApiError(400, 'invalid_envelope', `the ${part} part must be a ${kind} envelope, not ${envelope.kind}`);
  }
}

function requireActor(signer: RequestSigner, envelope: SignedEnvelope, part: string): void {
  if (envelope.actor !== signer.actor) {
    throw new ApiError(403, 'actor_mismatch', `the ${part} envelope is signed by ${envelope.actor}, but the request by ${signer.actor}; an actor transfers only its own entries`);
  }
}

function requireRole(signer: RequestSigner, role: string, action: string): void {
  if (!signer.roles.includes(role)) {
    throw new ApiError(403, role === 'receiver' ? 'not_receiver' : 'not_sender', `${signer.actor} lacks the ${role} role needed to ${action}`);
  }
}

function requireSameExchange(envelope: SignedEnvelope, exchangeId: string): void {
  const named = (envelope.body as { exchangeId?: unknown }).exchangeId;
  if (named !== exchangeId) {
    throw new ApiError(400, 'exchange_id_mismatch', `the envelope names exchange ${String(named)}, but the request path names ${exchangeId}`);
  }
}
