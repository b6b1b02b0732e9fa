import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { formatUtcTime } from '../../registry/formats.js';
import type { DocumentBody } from '../../registry/kinds/document.js';
import { signingKeyOf, type CabKeyring } from './cab-keys.js';
import { mapConcurrent } from './concurrency.js';
import { DAY_MS, SUBMIT_CONCURRENCY, type PilotContext } from './context.js';
import { generateDocument, type DocumentSpec } from './documents.js';
import type { DocumentPlan } from './scenario.js';
import { PushReceiver } from './push-receiver.js';
import { flipHeaderCommentByte, signGenerated } from './signing.js';
import { PilotTransfers, type TransferPlan } from './transfers.js';

/** A document the hub registered in this run. */
export interface RegisteredDocument {
  plan: DocumentPlan;
  sha256: string;
  /** The PDF whose SHA-256 was registered: the signed one for a generated document. */
  pdf: Uint8Array;
}

/** An exchange of a registered document, with what was logged for it. */
export interface PilotExchange {
  exchangeId: string;
  document: RegisteredDocument;
  from: string;
  to: string;
  received: boolean;
}

const APPLICANTS = [
  { name: 'Samarkand Home Appliances LLC', address: '12 Registan Street, Samarkand' },
  { name: 'Caspian Electric JSC', address: '45 Neftchilar Avenue, Baku' },
  { name: 'Ala-Too Trade Ltd', address: '7 Chui Avenue, Bishkek' },
  { name: 'Indus Footwear (Pvt) Ltd', address: 'Plot 19, Industrial Estate, Sialkot' },
  { name: 'Pamir Textile OJSC', address: '88 Rudaki Avenue, Dushanbe' },
];

/**
 * Registers every document of the scenario, in parallel: a generated CC or TR, signed with
 * the key its plan names (SHA-256 of the signed PDF, DESIGN.md §4), or a sample PDF (its
 * SHA-256), by the authority of the issuer's country.
 * A hash names one document forever, so a sample an earlier run registered must be
 * rejected with `document_exists`. Such a sample then takes no part in the exchanges. One document
 * submitted by another country's authority must be rejected with `wrong_country`.
 */
export async function registerDocuments(
  context: PilotContext,
  keys: CabKeyring,
  samples: ReadonlyMap<string, Uint8Array>,
): Promise<RegisteredDocument[]> {
  const { session, scenario, mirror } = context;
  const today = formatUtcTime(Date.now()).slice(0, 10);
  const validUntil = formatUtcTime(Date.now() + 3 * 365 * DAY_MS).slice(0, 10);
  const registered = await mapConcurrent(scenario.documents, SUBMIT_CONCURRENCY, async (plan, position) => {
    const pdf = plan.source.kind === 'sample' ? sampleBytes(samples, plan.source.file) : await signedDocument(plan, position, keys, today, validUntil);
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    if (plan.source.kind === 'sample' && sha256 !== plan.source.sha256) {
      context.outcomes.failure(`register ${plan.label}`, `the file's SHA-256 is ${sha256}, not ${plan.source.sha256}`);
    }
    const body = documentBody(plan, sha256, today, validUntil);
    const existing = mirror.registry.state.documentBySha256(sha256);
    const expect = existing === undefined ? 'accepted' : 'document_exists';
    const receipt = await session.submit(`register ${plan.label}`, 'document.register', body, `authority:${plan.issuer.country}`, { expect });
    return receipt === undefined ? undefined : { plan, sha256, pdf };
  });

  const plan = scenario.documents[0]!;
  const foreign = scenario.countries.find((country) => country !== plan.issuer.country)!;
  const sha256 = createHash('sha256').update(`foreign registration of ${plan.number}`).digest('hex');
  await session.submit(
    `reject authority:${foreign} registering a document of ${plan.issuer.code}`,
    'document.register',
    documentBody(plan, sha256, today, validUntil),
    `authority:${foreign}`,
    { expect: 'wrong_country' },
  );
  return registered.filter((document) => document !== undefined);
}

/**
 * Runs one exchange per registered document across country pairs through the hub's transfer
 * endpoints, each request signed by the acting authority. The sender uploads the PDF with its
 * `exchange.send`. The receiver downloads it (the hub logs `exchange.deliver`) or, for `pushTo`,
 * receives it at a webhook. Then the receiver acknowledges and raises the queries the scenario
 * plans. Refusals are probed on the way: an upload signed by another country, a read
 * of another country's inbox, and a sender acknowledging its own exchange.
 */
export async function runExchanges(context: PilotContext, documents: readonly RegisteredDocument[], options: { pushTo?: string } = {}): Promise<PilotExchange[]> {
  const { scenario } = context;
  const transfers = new PilotTransfers(context);
  const exchanges: PilotExchange[] = documents.map((document, position) => ({
    exchangeId: `pilot-${scenario.runNumber}-${String(position + 1).padStart(3, '0')}`,
    document,
    from: document.plan.issuer.country,
    to: document.plan.to,
    received: false,
  }));
  const push = options.pushTo === undefined ? undefined : await startPush(context, transfers, options.pushTo);
  try {
    const sent = await mapConcurrent(exchanges, UPLOAD_CONCURRENCY, (exchange) => transfers.send(transferPlan(exchange)));
    const open = exchanges.filter((_, position) => sent[position] !== undefined);
    await probeRefusals(transfers, open[0]);

    const delivered = await mapConcurrent(open, SUBMIT_CONCURRENCY, (exchange) =>
      exchange.to === options.pushTo ? awaitPush(context, transfers, push!, exchange) : transfers.download(transferPlan(exchange)),
    );
    const collected = open.filter((_, position) => delivered[position]);

    const probe = collected[0];
    if (probe !== undefined) {
      await transfers.acknowledge(
        `reject authority:${probe.from} acknowledging its own exchange ${probe.exchangeId}`,
        probe.exchangeId,
        { exchangeId: probe.exchangeId, acknowledgement: 'positive' },
        `authority:${probe.from}`,
        'not_receiver',
      );
    }

    await mapConcurrent(collected, SUBMIT_CONCURRENCY, async (exchange) => {
      const { acknowledgement } = exchange.document.plan;
      const body =
        acknowledgement === 'positive'
          ? { exchangeId: exchange.exchangeId, acknowledgement }
          : { exchangeId: exchange.exchangeId, acknowledgement, reason: acknowledgementReason(acknowledgement) };
      const receipt = await transfers.acknowledge(`acknowledge ${exchange.exchangeId}`, exchange.exchangeId, body, `authority:${exchange.to}`);
      exchange.received = receipt !== undefined;
    });

    await mapConcurrent(
      collected.filter((exchange) => exchange.document.plan.query),
      SUBMIT_CONCURRENCY,
      (exchange) =>
        transfers.exception(
          `raise a query on ${exchange.exchangeId}`,
          {
            exchangeId: exchange.exchangeId,
            reason: 'query',
            text: `Please confirm the rated power stated in ${exchange.document.plan.number} before release for free circulation.`,
          },
          `authority:${exchange.to}`,
        ),
    );
    return collected;
  } finally {
    await push?.stop();
  }
}

/** Uploads in flight at once: below the hub's default bound of concurrent uploads (16). */
const UPLOAD_CONCURRENCY = 8;

function transferPlan(exchange: PilotExchange): TransferPlan {
  return {
    exchangeId: exchange.exchangeId,
    from: exchange.from,
    to: exchange.to,
    documentSha256: exchange.document.sha256,
    pdf: exchange.document.pdf,
    subject: `${exchange.document.plan.type} ${exchange.document.plan.number}`,
  };
}

/** Requests the hub must refuse, each with its own code, logging nothing. */
async function probeRefusals(transfers: PilotTransfers, exchange: PilotExchange | undefined): Promise<void> {
  if (exchange === undefined) return;
  const forged = { ...transferPlan(exchange), exchangeId: `${exchange.exchangeId}-forged` };
  await transfers.send(forged, 'actor_mismatch', `authority:${exchange.to}`);
  await transfers.inbox(`reject authority:${exchange.from} reading the inbox of ${exchange.to}`, `authority:${exchange.from}`, exchange.to, 'not_your_inbox');
}

interface PushSession {
  receiver: PushReceiver;
  stop(): Promise<void>;
}

/** Starts a push endpoint for `country` and registers it as that country's webhook. */
async function startPush(context: PilotContext, transfers: PilotTransfers, country: string): Promise<PushSession> {
  const receiver = await PushReceiver.start((actor, keyId) => {
    const record = context.mirror.registry.state.actorAt(actor);
    if (actor !== 'operator' || record === undefined || record.key.keyId !== keyId) return undefined;
    return { status: record.status, publicKey: record.key.publicKey, roles: record.roles };
  });
  const client = transfers.client(`authority:${country}`);
  await client.putJson('/v1/inbox/webhook', { url: receiver.url });
  return {
    receiver,
    async stop() {
      await client.deleteJson('/v1/inbox/webhook');
      await receiver.close();
    },
  };
}

/** Maximum wait for the hub to push one exchange and log its delivery. */
const PUSH_WAIT_MS = 30_000;

/** Waits until the hub logged the push of an exchange, and checks what the endpoint received. */
async function awaitPush(context: PilotContext, transfers: PilotTransfers, push: PushSession, exchange: PilotExchange): Promise<boolean> {
  const { outcomes } = context;
  const step = `push ${exchange.exchangeId} to authority:${exchange.to}`;
  const deadline = Date.now() + PUSH_WAIT_MS;
  for (;;) {
    const view = await transfers.view(exchange.exchangeId, `authority:${exchange.to}`);
    if (view.deliveredIndex !== undefined) {
      const received = push.receiver.pushes.find((entry) => entry.exchangeId === exchange.exchangeId && entry.signer === 'operator');
      outcomes.compare(`${step}: SHA-256 of the pushed PDF`, exchange.document.sha256, received?.sha256 ?? 'nothing received');
      outcomes.submission(`deliver ${exchange.exchangeId}`, 'exchange.deliver', 'accepted', 'accepted', `pushed; logged by the hub at index ${view.deliveredIndex}`);
      return received?.sha256 === exchange.document.sha256;
    }
    if (view.status === 'failed' || Date.now() > deadline) {
      outcomes.failure(step, `the hub did not deliver it (status ${view.status} after ${view.attempts} attempts)`);
      return false;
    }
    await sleep(100);
  }
}

function acknowledgementReason(acknowledgement: 'warning' | 'negative'): string {
  return acknowledgement === 'warning'
    ? 'received; the signer or the signature is not confirmed'
    : 'received; the document or its signature fails verification';
}

function documentBody(plan: DocumentPlan, sha256: string, issuedOn: string, validUntil: string): DocumentBody {
  const body: DocumentBody = {
    type: plan.type,
    number: plan.number,
    issuer: plan.issuer.code,
    sha256,
    issuedOn,
    product: { description: plan.product.description, hsCodes: [...plan.product.hsCodes] },
    regulations: [...plan.product.regulations],
    standards: [...plan.product.standards],
    related: [],
  };
  if (plan.type === 'CC') body.validUntil = validUntil;
  return body;
}

function sampleBytes(samples: ReadonlyMap<string, Uint8Array>, file: string): Uint8Array {
  const bytes = samples.get(file);
  if (bytes === undefined) throw new RangeError(`sample ${file} was not read`);
  return bytes;
}

/**
 * Generates a CC or TR, signs it with the key its plan names, and flips a byte after
 * signing when the plan requests it.
 */
async function signedDocument(plan: DocumentPlan, position: number, keys: CabKeyring, issuedAt: string, validUntil: string): Promise<Uint8Array> {
  const spec: DocumentSpec = {
    type: plan.type,
    number: plan.number,
    issuer: { cabCode: plan.issuer.code, cabName: plan.issuer.name, country: plan.issuer.country },
    applicant: APPLICANTS[position % APPLICANTS.length]!,
    product: { description: plan.product.description, hsCodes: [...plan.product.hsCodes] },
    regulations: [...plan.product.regulations],
    standards: [...plan.product.standards],
    issuedAt,
  };
  if (plan.type === 'CC') spec.validUntil = validUntil;
  const signer = signingKeyOf(plan, keys);
  const signed = await signGenerated(await generateDocument(spec), signer, keys.cas.get(signer.certificate.subjectName.getField('C')[0] ?? ''), plan.number);
  return plan.source.kind === 'generated' && plan.source.tamper ? flipHeaderCommentByte(signed) : signed;
}
