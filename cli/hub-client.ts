import { CliError, UsageError } from './errors.js';

/** A request the hub refused, with the stable code from its `{error: {code, message}}` body. */
export class HubError extends CliError {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(`hub refused the request (${status} ${code}): ${message}`);
    this.status = status;
    this.code = code;
  }
}

export interface HubClientOptions {
  /** Time limit of each request in milliseconds. */
  timeoutMs?: number;
  /** Largest response body read, in bytes (default 64 MiB: a full entry bundle is at most 16 MiB). */
  maxResponseBytes?: number;
}

/** A small HTTP client for one hub, with the hub's error shape decoded. */
export class HubClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;

  constructor(baseUrl: string, options: HubClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new UsageError(`--hub ${baseUrl} is not a URL; give one like http://127.0.0.1:8080`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`--hub ${baseUrl} must be an http or https URL`);
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
  }

  /** Sends a request and returns the response, throwing HubError for an error status. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        ...init,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new CliError(`cannot reach the hub at ${this.baseUrl}${path}: ${describeFetchError(err)}`, 1, {
        cause: err,
      });
    }
    if (!response.ok) throw await hubErrorOf(response);
    return response;
  }

  async getText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.getBytes(path));
  }

  /** Reads a response body of at most `maxResponseBytes`; a hostile hub cannot make it grow without end. */
  async getBytes(path: string): Promise<Uint8Array> {
    const response = await this.request(path);
    return readBounded(response, this.#maxResponseBytes, `${this.baseUrl}${path}`);
  }

  async getJson<T>(path: string): Promise<T> {
    const text = await this.getText(path);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`the hub's answer to ${path} is not JSON`);
    }
  }

  async postJson<T>(path: string, body: unknown): Promise<T> {
    const response = await this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as T;
  }
}

async function hubErrorOf(response: Response): Promise<HubError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') {
      return new HubError(response.status, body.error.code, String(body.error.message ?? ''));
    }
  } catch {
    // Not the hub's JSON error shape; report the raw text below.
  }
  return new HubError(response.status, 'http_error', text.slice(0, 500) || response.statusText);
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (err.name === 'TimeoutError') return 'timed out';
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}

async function readBounded(response: Response, maxBytes: number, url: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  try {
    for (let next = await reader?.read(); next !== undefined && !next.done; next = await reader!.read()) {
      total += next.value.length;
      if (total > maxBytes) {
        await reader!.cancel();
        throw new CliError(`the response from ${url} exceeds ${maxBytes} bytes; the hub is not serving a log`);
      }
      chunks.push(next.value);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`reading the response from ${url} failed: ${describeFetchError(error)}`, 1, { cause: error });
  }
  return new Uint8Array(Buffer.concat(chunks));
}
