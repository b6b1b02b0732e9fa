import { setTimeout as sleep } from 'node:timers/promises';

import { parseCheckpoint } from '../../ledger/checkpoint.js';
import { decodeBase64Strict, parseNote, type PrivateKey } from '../../ledger/note.js';
import { signEnvelope, type SignedEnvelope } from '../../registry/envelope.js';
import type { BodyOfKind, Kind } from '../../registry/kinds/index.js';
import { CliError } from '../errors.js';
import { HubClient, HubError } from '../hub-client.js';
import type { PilotKeys } from './keys.js';
import type { Expectation, OutcomeLog } from './outcomes.js';

/** The hub's receipt for an accepted submission, decoded, with the envelope it logged. */
export interface LoggedReceipt {
  step: string;
  kind: Kind;
  envelope: SignedEnvelope;
  index: number;
  leafHash: Uint8Array;
  /** The signed checkpoint note the proof leads to. */
  checkpoint: string;
  checkpointSize: number;
  proof: Uint8Array[];
}

export interface SubmitOptions {
  /** The expected outcome: `accepted` (the default) or the hub's error code. */
  expect?: Expectation;
  /** Signs with this key instead of the actor's current one. */
  key?: PrivateKey;
  /** Uses these 16 nonce bytes instead of random ones. */
  nonce?: Uint8Array;
}

/** Retries of a submission that the hub rejects with 503 (busy). The hub deduplicates a resubmission. */
const MAX_RETRIES = 5;

/** The receipt part of the hub's response to a logged entry. */
export interface ReceiptAnswer {
  index: number;
  leafHash: string;
  checkpoint: string;
  proof: string[];
}

/**
 * The pilot's connection to the hub: it signs each record with the actor's key, submits it
 * over HTTP, compares the response with the scenario's expectation, and keeps every receipt
 * and checkpoint it is given for the final audit.
 */
export class HubSession {
  readonly receipts: LoggedReceipt[] = [];
  /** Every checkpoint note the hub returned, by tree size. */
  readonly checkpoints = new Map<number, string>();

  constructor(
    readonly client: HubClient,
    readonly keys: PilotKeys,
    readonly outcomes: OutcomeLog,
  ) {}

  sign<K extends Kind>(kind: K, body: BodyOfKind[K], actor: string, options: SubmitOptions = {}): SignedEnvelope<K> {
    const key = options.key ?? this.keys.key(actor);
    return signEnvelope({ kind, body, actor }, key, options.nonce === undefined ? {} : { nonce: options.nonce });
  }

  /** Signs and submits a record; returns its receipt when the hub accepted it. */
  async submit<K extends Kind>(
    step: string,
    kind: K,
    body: BodyOfKind[K],
    actor: string,
    options: SubmitOptions = {},
  ): Promise<LoggedReceipt | undefined> {
    return this.submitEnvelope(step, this.sign(kind, body, actor, options), options.expect ?? 'accepted');
  }

  /** Submits a signed envelope and records whether the outcome is the expected one. */
  async submitEnvelope(step: string, envelope: SignedEnvelope, expect: Expectation): Promise<LoggedReceipt | undefined> {
    return this.logThrough(step, envelope, expect, () => this.#post(envelope));
  }

  /**
   * Logs an envelope through `send`, which returns the hub's receipt response (a transfer endpoint
   * or `POST /v1/entries`), and records the outcome and receipt as submitEnvelope does.
   */
  async logThrough(step: string, envelope: SignedEnvelope, expect: Expectation, send: () => Promise<ReceiptAnswer>): Promise<LoggedReceipt | undefined> {
    let answer: ReceiptAnswer;
    try {
      answer = await send();
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      this.outcomes.submission(step, envelope.kind, expect, error.code, error.message);
      return undefined;
    }
    const receipt = this.#decode(step, envelope, answer);
    this.outcomes.submission(step, envelope.kind, expect, 'accepted', `logged at index ${answer.index}`);
    this.receipts.push(receipt);
    this.checkpoints.set(receipt.checkpointSize, receipt.checkpoint);
    return receipt;
  }

  async #post(envelope: SignedEnvelope): Promise<ReceiptAnswer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.client.postJson<ReceiptAnswer>('/v1/entries', envelope);
      } catch (error) {
        const busy = error instanceof HubError && error.status === 503 && attempt < MAX_RETRIES;
        if (!busy) throw error;
        await sleep(250 * (attempt + 1));
      }
    }
  }

  #decode(step: string, envelope: SignedEnvelope, answer: ReceiptAnswer): LoggedReceipt {
    const leafHash = decodeBase64Strict(answer.leafHash);
    const proof = answer.proof.map((hash) => decodeBase64Strict(hash));
    if (leafHash === undefined || proof.some((hash) => hash === undefined)) {
      throw new CliError(`the hub's receipt for ${step} has a leaf hash or proof hash that is not base64`);
    }
    const checkpointSize = parseCheckpoint(parseNote(answer.checkpoint).text).size;
    return {
      step,
      kind: envelope.kind,
      envelope,
      index: answer.index,
      leafHash,
      checkpoint: answer.checkpoint,
      checkpointSize,
      proof: proof as Uint8Array[],
    };
  }
}
