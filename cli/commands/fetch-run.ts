import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

import { parseDictionary } from 'structured-headers';

import { sha256 } from '../../ledger/hash.js';
import { CliError, UsageError } from '../errors.js';
import { checkExchangeId, openActorClient, type ActorFlags, type ExchangeView } from '../signed-hub-client.js';

export interface FetchOptions extends ActorFlags {
  output?: string;
  json?: boolean;
}

export async function runFetch(exchangeId: string, options: FetchOptions): Promise<void> {
  checkExchangeId(exchangeId, 'exchange ID');
  const output = options.output ?? `${exchangeId}.pdf`;
  const actor = openActorClient(options);
  const exchange = await actor.client.getJson<ExchangeView>(`/v1/exchanges/${exchangeId}`);
  const expected = exchange.documentSha256;
  if (typeof expected !== 'string' || !/^[0-9a-f]{64}$/.test(expected)) {
    throw new CliError(`the hub's view of exchange ${exchangeId} has no documentSha256 in lowercase hex`);
  }

  const response = await actor.client.request('GET', `/v1/exchanges/${exchangeId}/document`);
  const document = response.body;
  const actual = Buffer.from(sha256(document)).toString('hex');
  if (actual !== expected) {
    throw new CliError(`the PDF of exchange ${exchangeId} has SHA-256 ${actual}, but the log names ${expected}; nothing was written`);
  }
  checkContentDigest(response.headers.get('content-digest'), document, exchangeId);
  const announced = response.headers.get('ecert-document-sha256');
  if (announced !== null && announced.trim() !== expected) {
    throw new CliError(`the hub announces Ecert-Document-Sha256 ${announced.slice(0, 80)} for exchange ${exchangeId}, but the log names ${expected}; nothing was written`);
  }
  const deliveryIndex = parseDeliveryIndex(response.headers.get('ecert-delivery-index'));

  writeAtomically(output, document);
  if (options.json) {
    process.stdout.write(JSON.stringify({ exchangeId, path: output, documentSha256: expected, size: document.length, deliveryIndex }, null, 2) + '\n');
    return;
  }
  const delivery = deliveryIndex === null ? 'no delivery index given' : `delivery logged at index ${deliveryIndex}`;
  process.stdout.write(`wrote ${output} (${document.length} bytes, SHA-256 ${expected}); ${delivery}\n`);
}

/**
 * Checks the RFC 9530 `Content-Digest` of the download: a structured dictionary whose `sha-256`
 * member is the byte sequence of the body's SHA-256. The header is required for a download.
 */
function checkContentDigest(header: string | null, body: Uint8Array, exchangeId: string): void {
  if (header === null) throw new CliError(`the download of exchange ${exchangeId} has no Content-Digest header; nothing was written`);
  let digest: unknown;
  try {
    digest = parseDictionary(header).get('sha-256')?.[0];
  } catch (error) {
    throw new CliError(`the Content-Digest header of exchange ${exchangeId} is not a structured dictionary; nothing was written`, 1, { cause: error });
  }
  if (!(digest instanceof ArrayBuffer)) {
    throw new CliError(`the Content-Digest header of exchange ${exchangeId} has no sha-256 byte sequence; nothing was written`);
  }
  if (!Buffer.from(digest).equals(Buffer.from(sha256(body)))) {
    throw new CliError(`the body of exchange ${exchangeId} does not match its Content-Digest; nothing was written`);
  }
}

function parseDeliveryIndex(header: string | null): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new CliError(`the hub sent Ecert-Delivery-Index ${JSON.stringify(text.slice(0, 40))}, which is not an entry index`);
  }
  return Number(text);
}

/**
 * Writes the file under a temporary name in the same folder, syncs it and renames it into
 * place, so a reader never sees a partial PDF and a failure leaves no file behind.
 */
function writeAtomically(file: string, bytes: Uint8Array): void {
  const folder = path.dirname(path.resolve(file));
  const temporary = path.join(folder, `.${path.basename(file)}.${randomUUID()}.tmp`);
  let fd: number;
  try {
    fd = openSync(temporary, 'wx', 0o644);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`cannot write the output -o ${file} in ${folder}: ${reason}`, { cause: error });
  }
  try {
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, file);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // Already closed before the failing step.
    }
    rmSync(temporary, { force: true });
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliError(`writing ${file} failed: ${reason}`, 1, { cause: error });
  }
}
