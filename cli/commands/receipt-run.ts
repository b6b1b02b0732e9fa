import { writeFileSync } from 'node:fs';

import { openCheckpoint } from '../../ledger/checkpoint.js';
import { LedgerError } from '../../ledger/errors.js';
import { decodeBase64Strict, noteVerifier, type NoteVerifier } from '../../ledger/note.js';
import { encodeLeaf, type LoggedEnvelope } from '../../registry/envelope.js';
import { fetchEntries } from '../../verifier/log-fetch.js';
import { buildReceipt, formatReceipt, type Receipt } from '../../verifier/receipt.js';
import type { ProvenEntry } from '../../verifier/traceability.js';
import { CliError, UsageError } from '../errors.js';
import { HubClient } from '../hub-client.js';
import { readVerifierKeyFile } from '../key-files.js';
import { hubFetcher } from './hub-fetcher.js';

export interface ReceiptOptions {
  hub: string;
  vkey: string;
  withLog?: boolean;
  output: string;
}

/** The hub's `GET /v1/documents/<sha256>/history` response; every field is untrusted. */
interface HistoryAnswer {
  checkpoint?: unknown;
  entries?: unknown;
}

export async function runReceipt(sha256: string, options: ReceiptOptions): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new UsageError(`${sha256.slice(0, 80)} is not a SHA-256 in lowercase hex`);
  const logKey = noteVerifier(readVerifierKeyFile(options.vkey));
  const receipt = await fetchReceipt(new HubClient(options.hub), sha256, logKey, options.withLog ?? false);
  writeFileSync(options.output, formatReceipt(receipt));
  const withLog = receipt.log === undefined ? '' : ` and ${receipt.log.length} log entries`;
  process.stdout.write(`wrote ${options.output}: ${receipt.proofs.length} proofs${withLog} for document ${sha256}\n`);
}

/**
 * Builds a document's receipt from a hub: its history (every entry naming the document with
 * a proof to one checkpoint) and, with `withLog`, every entry up to that checkpoint from the
 * entry bundles. Everything is checked with `logKey` before it is returned.
 * @throws CliError (exit 1) when the hub's response does not verify, HubError when the hub rejects the request.
 */
export async function fetchReceipt(client: HubClient, sha256: string, logKey: NoteVerifier, withLog: boolean): Promise<Receipt> {
  const history = await client.getJson<HistoryAnswer>(`/v1/documents/${sha256}/history`);
  try {
    const checkpoint = stringField(history.checkpoint, 'checkpoint');
    const entries = provenEntries(history.entries);
    let log: Uint8Array[] | undefined;
    if (withLog) {
      const { size } = openCheckpoint(checkpoint, logKey, logKey.name).checkpoint;
      log = await fetchEntries(hubFetcher(client), size);
    }
    return buildReceipt({ checkpoint, entries, log }, logKey);
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    throw new CliError(`the hub's response for document ${sha256} does not verify (${error.code}): ${error.message}`, 1, { cause: error });
  }
}

/** Turns the history's entries into leaf bytes and proofs; buildReceipt then checks each one. */
function provenEntries(value: unknown): ProvenEntry[] {
  if (!Array.isArray(value)) throw new CliError('the hub sent a history without an entries array');
  return value.map((item: unknown, i) => {
    const { index, entry, proof } = (item ?? {}) as { index?: unknown; entry?: unknown; proof?: unknown };
    if (!Number.isSafeInteger(index) || (index as number) < 0) throw new CliError(`history entry ${i} has no valid index`);
    if (typeof entry !== 'object' || entry === null) throw new CliError(`history entry ${i} has no entry object`);
    if (!Array.isArray(proof)) throw new CliError(`history entry ${i} has no proof array`);
    const envelope = entry as LoggedEnvelope;
    // The leaf is the canonical JSON of the envelope (RFC 8785), so re-encoding gives its exact bytes;
    // a changed entry then fails its inclusion proof.
    const leaf = encodeLeaf(envelope, envelope.loggedAt);
    const hashes = proof.map((hash: unknown, j) => {
      const bytes = typeof hash === 'string' ? decodeBase64Strict(hash) : undefined;
      if (bytes === undefined) throw new CliError(`history entry ${i} has proof hash ${j} that is not base64`);
      return bytes;
    });
    return { index: index as number, entry: leaf, proof: hashes };
  });
}

function stringField(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new CliError(`the hub sent a history without a ${name} string`);
  return value;
}
