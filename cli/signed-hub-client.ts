import { setTimeout as sleep } from 'node:timers/promises';

import { signRequest } from '../api/http-signature/sign.js';
import { LedgerError } from '../ledger/errors.js';
import { SIG_TYPE_ED25519, type PrivateKey } from '../ledger/note.js';
import { signEnvelope, type SignedEnvelope } from '../registry/envelope.js';
import { RuleError } from '../registry/errors.js';
import { actorCountry, isActorName } from '../registry/formats.js';
import { exchangeIdSchema } from '../registry/kinds/common.js';
import type { BodyOfKind, Kind } from '../registry/kinds/index.js';
import { CliError, UsageError } from './errors.js';
import { HubClient, HubError } from './hub-client.js';
import { readPrivateKeyFile } from './key-files.js';

/** The state of one exchange as `GET /v1/exchanges/<id>` and `GET /v1/inbox` return it. */
export type { ExchangeView } from '../registry/exchange-view.js';

export interface SignedHubClientOptions {
  /** Time limit of each attempt in milliseconds (default 60 s, because an upload may carry a large PDF). */
  timeoutMs?: number;
  /** Largest response body read, in bytes (default 64 MiB). */
  maxResponseBytes?: number;
  /** Maximum attempts of one request while the hub returns 503 with Retry-After (default 4). */
  maxAttempts?: number;
  /** Maximum Retry-After honoured, in seconds. A longer one ends the retries (default 30). */
  maxRetryAfterSeconds?: number;
}

/** A response whose body was read in full, within the client's size limit. */
export interface SignedResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/**
 * An HTTP client for the hub's document-exchange endpoints: it signs every request under
 * RFC 9421 with the actor's key (label `ecert`, keyid `<actor>+<hexid>`), as docs/EXCHANGES.md
 * requires. Signatures are single-use on the hub, so each retry is signed again with a new
 * nonce and `created` time.
 */
export class SignedHubClient {
  readonly hub: HubClient;
  readonly key: PrivateKey;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #maxAttempts: number;
  readonly #maxRetryAfterSeconds: number;

  constructor(hub: HubClient, key: PrivateKey, options: SignedHubClientOptions = {}) {
    this.hub = hub;
    this.key = key;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 30;
  }

  /**
   * Sends a signed request and returns the response with its body.
   * @throws HubError for an error status (after the retries of a 503 with Retry-After),
   *   CliError when the hub cannot be reached or its body exceeds the size limit.
   */
  async request(method: string, path: string, body?: Uint8Array, contentType?: string): Promise<SignedResponse> {
    const url = this.hub.baseUrl + path;
    for (let attempt = 1; ; attempt++) {
      const headers = await signRequest(
        { method, url, headers: contentType === undefined ? {} : { 'content-type': contentType }, body },
        this.key,
      );
      const response = await this.#fetch(url, { method, headers, body });
      if (response.ok) {
        return { status: response.status, headers: response.headers, body: await this.#readBody(response, url) };
      }
      const delaySeconds = retryDelaySeconds(response);
      if (delaySeconds === undefined || delaySeconds > this.#maxRetryAfterSeconds || attempt >= this.#maxAttempts) {
        throw hubErrorOf(response, await this.#readBody(response, url).catch(() => new Uint8Array()));
      }
      await response.body?.cancel();
      await sleep(delaySeconds * 1000);
    }
  }

  async getJson<T>(path: string): Promise<T> {
    return parseJsonAnswer<T>(await this.request('GET', path), path);
  }

  async postJson<T>(path: string, value: unknown): Promise<T> {
    const body = new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8'));
    return parseJsonAnswer<T>(await this.request('POST', path, body, 'application/json'), path);
  }

  async putJson<T>(path: string, value: unknown): Promise<T> {
    const body = new Uint8Array(Buffer.from(JSON.stringify(value), 'utf8'));
    return parseJsonAnswer<T>(await this.request('PUT', path, body, 'application/json'), path);
  }

  async deleteJson<T>(path: string): Promise<T> {
    return parseJsonAnswer<T>(await this.request('DELETE', path), path);
  }

  /**
   * Posts a multipart/form-data body. The form is serialised to bytes once, so the
   * Content-Digest covers exactly the bytes sent, boundary included, on every attempt.
   */
  async postForm<T>(path: string, form: FormData): Promise<{ status: number; answer: T }> {
    const encoded = new Response(form);
    const contentType = encoded.headers.get('content-type');
    if (contentType === null) throw new CliError('the multipart body has no content type; this is a bug in ecert');
    const body = new Uint8Array(await encoded.arrayBuffer());
    const response = await this.request('POST', path, body, contentType);
    return { status: response.status, answer: parseJsonAnswer<T>(response, path) };
  }

  async #fetch(url: string, init: { method: string; headers: Record<string, string>; body?: Uint8Array }): Promise<Response> {
    try {
      return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (error) {
      throw new CliError(`cannot reach the hub at ${url}: ${describeFetchError(error)}`, 1, { cause: error });
    }
  }

  /** Reads at most `maxResponseBytes`, because the hub's response is untrusted and may not end. */
  async #readBody(response: Response, url: string): Promise<Uint8Array> {
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > this.#maxResponseBytes) {
      await response.body?.cancel();
      throw new CliError(`the response from ${url} declares ${declared} bytes, more than the limit of ${this.#maxResponseBytes}`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = response.body?.getReader();
    if (reader === undefined) return new Uint8Array();
    try {
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        total += next.value.length;
        if (total > this.#maxResponseBytes) {
          await reader.cancel();
          throw new CliError(`the response from ${url} exceeds the limit of ${this.#maxResponseBytes} bytes`);
        }
        chunks.push(next.value);
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`reading the response from ${url} failed: ${describeFetchError(error)}`, 1, { cause: error });
    }
    return new Uint8Array(Buffer.concat(chunks));
  }
}

/** The `--hub` and `--key` flags every exchange command takes. */
export interface ActorFlags {
  hub: string;
  key: string;
}

/** A client signing as one actor of a participant country. */
export interface ActorClient {
  client: SignedHubClient;
  actor: string;
  country: string;
}

/**
 * Reads the actor's Ed25519 key from `--key` (its name is the actor, e.g. `authority:UZ`) and
 * returns a client for `--hub` that signs as that actor.
 * @throws UsageError when the file is no note private key, or the key is not the signing key
 *   of an actor of a country.
 */
export function openActorClient(flags: ActorFlags): ActorClient {
  const key = readPrivateKeyFile(flags.key);
  if (key.type !== SIG_TYPE_ED25519) {
    throw new UsageError(
      `--key ${flags.key} is a key of type 0x${key.type.toString(16).padStart(2, '0')}, not an Ed25519 signing key (0x01); ` +
        "give the actor's signing key, not a witness cosigning key",
    );
  }
  const country = isActorName(key.name) ? actorCountry(key.name) : undefined;
  if (country === undefined) {
    throw new UsageError(
      `--key ${flags.key} belongs to ${JSON.stringify(key.name)}, which is not an actor of a country ` +
        '(authority:UZ, authority:KG-customs, …); give the key of the authority that takes this step',
    );
  }
  return { client: new SignedHubClient(new HubClient(flags.hub), key), actor: key.name, country };
}

/**
 * Signs a record as the client's actor. An invalid body becomes a usage error naming the flag
 * that `flagOfField` maps its JSON pointer to (`/header/subject` to `--subject`).
 */
export function signRecord<K extends Kind>(
  actor: ActorClient,
  kind: K,
  body: BodyOfKind[K],
  flagOfField: Readonly<Record<string, string>> = {},
): SignedEnvelope<K> {
  try {
    return signEnvelope({ kind, body, actor: actor.actor }, actor.client.key);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    const path = error instanceof RuleError ? String(error.evidence.path ?? '') : '';
    const flag = Object.entries(flagOfField).find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))?.[1];
    throw new UsageError(`${flag === undefined ? '' : `${flag}: `}${error.message} (${error.code})`, { cause: error });
  }
}

const exchangeIdRegExp = new RegExp(exchangeIdSchema.pattern);

/**
 * Checks an exchange ID from the command line before it goes into a URL path: the pattern of
 * the records (a letter or digit, then up to 63 of `A-Za-z0-9._:-`) has no `/`, `?` or `%`.
 */
export function checkExchangeId(id: string, flag: string): string {
  if (!exchangeIdRegExp.test(id)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(id.slice(0, 80))} is not an exchange ID: 1 to 64 characters of A-Z a-z 0-9 . _ : -, starting with a letter or digit`,
    );
  }
  return id;
}

/** The receipt of a logged entry, as `POST /v1/entries` returns it. */
export interface EntryReceipt {
  index: number;
  leafHash: string;
  checkpoint: string;
  proof: string[];
  receipt: string;
}

/**
 * Returns the seconds to wait before retrying, or undefined for no retry. Only a 503 with
 * Retry-After in delay seconds (RFC 9110) is retried, not one with an HTTP date.
 */
function retryDelaySeconds(response: Response): number | undefined {
  if (response.status !== 503) return undefined;
  const value = response.headers.get('retry-after')?.trim();
  if (value === undefined || !/^[0-9]{1,6}$/.test(value)) return undefined;
  return Number(value);
}

function parseJsonAnswer<T>(response: SignedResponse, path: string): T {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(response.body)) as T;
  } catch (error) {
    throw new CliError(`the hub's response to ${path} is not JSON`, 1, { cause: error });
  }
}

function hubErrorOf(response: Response, body: Uint8Array): HubError {
  const text = Buffer.from(body).toString('utf8');
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') {
      return new HubError(response.status, parsed.error.code, String(parsed.error.message ?? '').slice(0, 1000));
    }
  } catch {
    // Not the hub's JSON error shape, so the raw text is reported below.
  }
  return new HubError(response.status, 'http_error', text.slice(0, 500) || response.statusText);
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
