/**
 * Pushes the hub's checkpoints to its witnesses (c2sp.org/tlog-witness add-checkpoint) and
 * stores the cosignatures they return, so GET /checkpoint and /v1/checkpoints/witnessed serve
 * them. It runs in background loops that the submission path never awaits.
 */
import type { Logger } from 'pino';

import { NoteError } from '../ledger/errors.js';
import { decodeBase64Strict, encodeBase64, noteVerifier, openNote } from '../ledger/note.js';
import type { StoredCheckpoint } from '../ledger/storage.js';
import type { WitnessSet } from '../registry/records.js';

/** The parts of the hub the pusher reads and writes, which `Hub` provides. */
export interface WitnessPushSource {
  readonly origin: string;
  readonly latestCheckpoint: StoredCheckpoint | undefined;
  readonly reader: {
    consistencyProof(size1: number, size2: number): Promise<Uint8Array[]>;
    cosignatures(size: number): Promise<string[]>;
  };
  readonly registry: { readonly state: { witnessesAt(index: number): WitnessSet | undefined } };
  /** Replaces the cosignature lines stored for the checkpoint of `size`. */
  storeCosignatures(size: number, lines: readonly string[]): Promise<void>;
}

export interface WitnessPushOptions {
  /** Base URLs of the witnesses; add-checkpoint is POSTed to `<url>/add-checkpoint`. */
  urls: readonly string[];
  logger?: Logger;
  /** Milliseconds one request may take, body included (default 10,000). */
  timeoutMs?: number;
  /** First retry delay after a failure, doubled per failure up to `maxBackoffMs` (default 500). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Milliseconds between looks for a new checkpoint when a witness is up to date (default 200). */
  pollIntervalMs?: number;
}

/** Maximum witness response body: a response is a few signature lines, so a larger one is rejected. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Maximum 409 responses in a row before a push backs off, because the witness size keeps changing. */
const MAX_CONFLICTS = 3;
const SIZE_BODY = /^(0|[1-9][0-9]{0,15})\n$/;
const SIGNATURE_LINE = /^— (\S+) (\S+)$/;

/** A failed push, with a stable code so repeats of one problem are logged once. */
export class WitnessPushError extends Error {
  readonly code: string;
  readonly status?: number;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'WitnessPushError';
    this.code = code;
    this.status = options.status;
  }
}

interface WitnessTarget {
  url: string;
  /** The witness's latest cosigned size as last learned, or undefined before first contact. */
  knownSize?: number;
  /** Size of the newest checkpoint this witness cosigned for the hub. */
  cosignedSize?: number;
  failures: number;
  /** Code of the problem last logged, so a repeat is not logged again. */
  problem?: string;
}

export class WitnessPusher {
  readonly #hub: WitnessPushSource;
  readonly #targets: WitnessTarget[];
  readonly #logger?: Logger;
  readonly #timeoutMs: number;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #pollIntervalMs: number;
  readonly #stop = new AbortController();
  #loops: Promise<void>[] = [];
  /** The tail of the cosignature writes: one read-merge-write at a time. */
  #writes: Promise<unknown> = Promise.resolve();

  constructor(hub: WitnessPushSource, options: WitnessPushOptions) {
    this.#hub = hub;
    this.#targets = options.urls.map((url) => ({ url: parseWitnessUrl(url), failures: 0 }));
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#minBackoffMs = options.minBackoffMs ?? 500;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 200;
  }

  /** Starts one background loop per witness. */
  start(): void {
    if (this.#loops.length > 0) return;
    this.#loops = this.#targets.map((target) => this.#run(target));
  }

  /** Stops the loops, aborting requests in flight, and waits for pending cosignature writes. */
  async close(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
    await this.#writes;
  }

  async #run(target: WitnessTarget): Promise<void> {
    while (!this.#stop.signal.aborted) {
      const latest = this.#hub.latestCheckpoint;
      if (latest === undefined || latest.size === target.cosignedSize) {
        await this.#sleep(this.#pollIntervalMs);
        continue;
      }
      try {
        await this.#push(target, latest);
        if (target.problem !== undefined) {
          this.#logger?.info({ witness: target.url, origin: this.#hub.origin, size: latest.size }, 'witness push recovered');
        }
        target.failures = 0;
        target.problem = undefined;
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        this.#report(target, latest, error);
        target.failures++;
        await this.#sleep(Math.min(this.#maxBackoffMs, this.#minBackoffMs * 2 ** Math.min(target.failures - 1, 30)));
      }
    }
  }

  /** Sends `checkpoint` with a proof from the witness's size, learning that size from 409s. */
  async #push(target: WitnessTarget, checkpoint: StoredCheckpoint): Promise<void> {
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const oldSize = target.knownSize ?? 0;
      if (oldSize > checkpoint.size) {
        // The witness cosigned a larger tree of this origin than the hub has: a fork or a lost store.
        throw new WitnessPushError(
          'witness_ahead',
          `witness has cosigned size ${oldSize}, beyond the hub's checkpoint size ${checkpoint.size}`,
        );
      }
      const proof =
        oldSize === 0 || oldSize === checkpoint.size ? [] : await this.#hub.reader.consistencyProof(oldSize, checkpoint.size);
      const body = `old ${oldSize}\n${proof.map((hash) => `${encodeBase64(hash)}\n`).join('')}\n${checkpoint.note}`;
      const { status, contentType, text } = await this.#post(`${target.url}/add-checkpoint`, body);

      if (status === 409) {
        const match = SIZE_BODY.exec(text);
        if (!contentType.startsWith('text/x.tlog.size') || match === null) {
          throw new WitnessPushError('invalid_response', 'witness returned 409 without a text/x.tlog.size body', { status });
        }
        target.knownSize = Number(match[1]);
        continue;
      }
      if (status !== 200) {
        throw new WitnessPushError('witness_rejected', `witness returned ${status}: ${text.slice(0, 200).trim()}`, { status });
      }
      const lines = this.#verifiedCosignatures(checkpoint, text);
      target.knownSize = checkpoint.size;
      await this.#storeCosignatures(checkpoint.size, lines);
      target.cosignedSize = checkpoint.size;
      this.#logger?.debug({ witness: target.url, origin: this.#hub.origin, size: checkpoint.size }, 'witness cosigned');
      return;
    }
    throw new WitnessPushError('conflict_loop', `witness returned 409 ${MAX_CONFLICTS} times in a row`);
  }

  /**
   * Keeps the returned lines whose key (name and ID) is a witness of the registry at the
   * checkpoint's size and whose cosignature verifies over the checkpoint. A line of a registered
   * key that fails is an error, since that witness sent a bad signature.
   */
  #verifiedCosignatures(checkpoint: StoredCheckpoint, text: string): string[] {
    const witnesses = this.#hub.registry.state.witnessesAt(checkpoint.size - 1)?.witnesses ?? [];
    const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : [text];
    const verified: string[] = [];
    for (const line of lines) {
      const key = signatureKey(line);
      const witness = key === undefined ? undefined : witnesses.find((w) => w.key.startsWith(`${key.name}+${key.hexId}+`));
      if (witness === undefined) continue;
      try {
        openNote(`${checkpoint.note}${line}\n`, [noteVerifier(witness.key)]);
      } catch (error) {
        if (!(error instanceof NoteError)) throw error;
        throw new WitnessPushError('invalid_cosignature', `cosignature of ${witness.name} does not verify: ${error.message}`, {
          cause: error,
        });
      }
      verified.push(line);
    }
    if (verified.length === 0) {
      throw new WitnessPushError('no_registered_cosignature', 'witness returned no cosignature under a registered witness key');
    }
    return verified;
  }

  /** Merges lines into those stored for `size`, one write at a time, a key's newest line winning. */
  #storeCosignatures(size: number, lines: readonly string[]): Promise<void> {
    const write = this.#writes.then(async () => {
      const merged = new Map<string, string>();
      for (const line of [...(await this.#hub.reader.cosignatures(size)), ...lines]) {
        const key = signatureKey(line);
        if (key !== undefined) merged.set(`${key.name}+${key.hexId}`, line);
      }
      await this.#hub.storeCosignatures(size, [...merged.values()]);
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #post(url: string, body: string): Promise<{ status: number; contentType: string; text: string }> {
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#timeoutMs)]);
    try {
      const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' }, signal });
      const text = await readLimited(response, MAX_RESPONSE_BYTES);
      return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
    } catch (error) {
      if (error instanceof WitnessPushError) throw error;
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new WitnessPushError(
        timedOut ? 'timeout' : 'unreachable',
        timedOut ? `no answer within ${this.#timeoutMs} ms` : `request failed: ${rootMessage(error)}`,
        { cause: error },
      );
    }
  }

  /** Logs a failure when its code differs from the last one logged for this witness. */
  #report(target: WitnessTarget, checkpoint: StoredCheckpoint, error: unknown): void {
    const code = error instanceof WitnessPushError ? error.code : 'internal_error';
    const fields = { witness: target.url, origin: this.#hub.origin, size: checkpoint.size, code, failures: target.failures + 1 };
    if (target.problem === code) {
      this.#logger?.debug(fields, 'witness push failed again');
      return;
    }
    target.problem = code;
    this.#logger?.warn({ ...fields, err: error }, 'witness push failed; retrying with backoff');
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#stop.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      // The listener goes when the timer fires, so a long-running push loop leaves none behind.
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * Checks a witness base URL: http or https, no query or fragment. Returns it without a trailing
 * slash. Throws WitnessPushError `invalid_witness_url`.
 */
export function parseWitnessUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || !['http:', 'https:'].includes(url.protocol) || url.search !== '' || url.hash !== '') {
    throw new WitnessPushError('invalid_witness_url', `witness URL ${JSON.stringify(text)} is invalid: want http(s)://host[:port][/prefix]`);
  }
  return url.href.replace(/\/+$/, '');
}

/** Reads the key name and hex key ID of a signature line "— <name> <base64>", or undefined. */
function signatureKey(line: string): { name: string; hexId: string } | undefined {
  const match = SIGNATURE_LINE.exec(line);
  const bytes = match === null ? undefined : decodeBase64Strict(match[2]!);
  if (bytes === undefined || bytes.length < 5) return undefined;
  return { name: match![1]!, hexId: Buffer.from(bytes.subarray(0, 4)).toString('hex') };
}

/** Reads a response body as UTF-8, failing once it exceeds `limit` bytes. */
async function readLimited(response: Response, limit: number): Promise<string> {
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of response.body) {
    length += chunk.length;
    if (length > limit) {
      // Leaving the loop by a throw cancels the stream.
      throw new WitnessPushError('response_too_large', `witness response exceeds ${limit} bytes`, { status: response.status });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function rootMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : String((error as Error).message ?? error);
}
