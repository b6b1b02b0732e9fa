/**
 * HTTP reads of a log (c2sp.org/tlog-tiles) and of peers, with size limits on every response
 * and a request count, so tests can see what a resumed monitor reads again.
 */
import { MAX_BUNDLE_BYTES, MAX_TILE_BYTES } from '../ledger/storage.js';

/** Largest checkpoint note read from a hub or peer: a note with 100 cosignatures is ~15 KB. */
export const MAX_NOTE_BYTES = 64 * 1024;

/** A request that failed or answered with an unexpected status. */
export class FetchError extends Error {
  readonly code: 'not_found' | 'http_error' | 'unreachable' | 'too_large';
  readonly url: string;
  readonly status?: number;

  constructor(code: FetchError['code'], url: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'FetchError';
    this.code = code;
    this.url = url;
    this.status = options.status;
  }
}

export interface HttpReaderOptions {
  /** Time limit of each request in milliseconds (default 30 s). */
  timeoutMs?: number;
}

/** Reads resources under one base URL. Every response is untrusted. */
export class HttpReader {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  #requests = 0;

  constructor(baseUrl: string, options: HttpReaderOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Number of requests sent so far. */
  get requests(): number {
    return this.#requests;
  }

  /** GETs `path` as UTF-8 text of at most `maxBytes`. */
  async text(path: string, maxBytes = MAX_NOTE_BYTES): Promise<string> {
    const bytes = await this.bytes(path, maxBytes);
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  }

  /** GETs `path` as bytes of at most `maxBytes` (default: the largest entry bundle). */
  async bytes(path: string, maxBytes = MAX_BUNDLE_BYTES): Promise<Uint8Array> {
    const url = `${this.baseUrl}${path}`;
    this.#requests++;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (error) {
      throw new FetchError('unreachable', url, `GET ${url} failed: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 404) {
      await response.body?.cancel();
      throw new FetchError('not_found', url, `GET ${url} returned 404`, { status: 404 });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new FetchError('http_error', url, `GET ${url} returned ${response.status}`, { status: response.status });
    }
    return readLimited(response, url, maxBytes);
  }
}

/** Tile reads are at most one full tile. */
export const TILE_LIMIT = MAX_TILE_BYTES;

async function readLimited(response: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new FetchError('too_large', url, `GET ${url} declares ${declared} bytes, maximum ${maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  // A hostile server may omit or understate the length, so the body is counted as it arrives.
  for await (const chunk of response.body ?? []) {
    total += chunk.length;
    if (total > maxBytes) {
      // Leaving the loop by a throw cancels the body stream.
      throw new FetchError('too_large', url, `GET ${url} sent more than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Uint8Array);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
