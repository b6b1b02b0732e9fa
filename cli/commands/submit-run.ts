import { closeSync, openSync, writeSync } from 'node:fs';

import { LedgerError } from '../../ledger/errors.js';
import { signEnvelope } from '../../registry/envelope.js';
import { isKind, type Kind } from '../../registry/kinds/index.js';
import { isActorName } from '../../registry/formats.js';
import { parseStrictJson } from '../../registry/json.js';
import { UsageError } from '../errors.js';
import { HubClient } from '../hub-client.js';
import { readFlagFile, readPrivateKeyFile } from '../key-files.js';

export interface SubmitOptions {
  key: string;
  hub: string;
  output?: string;
}

interface SubmitAnswer {
  index: number;
  leafHash: string;
  checkpoint: string;
  proof: string[];
  receipt: string;
}

export async function runSubmit(kind: string, bodyPath: string, options: SubmitOptions): Promise<void> {
  if (!isKind(kind)) throw new UsageError(`unknown entry kind ${JSON.stringify(kind)}; see docs/RECORDS.md`);
  const key = readPrivateKeyFile(options.key);
  if (!isActorName(key.name)) {
    throw new UsageError(
      `--key ${options.key} belongs to ${JSON.stringify(key.name)}, which is not an actor name ` +
        '(operator, registrar:UZ, authority:KG, …); give the key of the actor that makes this entry',
    );
  }
  const hub = new HubClient(options.hub);
  let body: unknown;
  try {
    body = parseStrictJson(readFlagFile(bodyPath, 'body'));
  } catch (error) {
    if (error instanceof LedgerError) throw new UsageError(`body file ${bodyPath}: ${error.message}`);
    throw error;
  }
  let envelope;
  try {
    envelope = signEnvelope({ kind: kind as Kind, body: body as never, actor: key.name }, key);
  } catch (error) {
    if (error instanceof LedgerError) {
      throw new UsageError(`body file ${bodyPath} is not a valid ${kind} record (${error.code}): ${error.message}`);
    }
    throw error;
  }
  // Open the receipt file first: an entry logged without its receipt cannot be submitted again
  // (a new signature gets a new nonce and, for most kinds, a conflict).
  const receiptFile = options.output === undefined ? undefined : openReceiptFile(options.output);
  const answer = await hub.postJson<SubmitAnswer>('/v1/entries', envelope);
  const { index, leafHash, checkpoint } = answer;
  process.stdout.write(JSON.stringify({ index, leafHash, checkpoint }, null, 2) + '\n');
  if (receiptFile !== undefined) {
    writeSync(receiptFile, answer.receipt);
    closeSync(receiptFile);
  }
}

function openReceiptFile(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`cannot write the receipt file -o ${path} (${reason}); nothing was submitted`);
  }
}
