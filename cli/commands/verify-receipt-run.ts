import { openCheckpoint } from '../../ledger/checkpoint.js';
import { LedgerError } from '../../ledger/errors.js';
import { hashLeaf } from '../../ledger/hash.js';
import { noteVerifier } from '../../ledger/note.js';
import { verifyInclusion } from '../../ledger/proof.js';
import { parseTlogProof } from '../../ledger/tlog-proof.js';
import { CliError } from '../errors.js';
import { readFlagFile, readVerifierKeyFile } from '../key-files.js';

export interface VerifyReceiptOptions {
  vkey: string;
  json?: boolean;
}

export function runVerifyReceipt(receiptPath: string, options: VerifyReceiptOptions): void {
  const logKey = readVerifierKeyFile(options.vkey);
  const text = readFlagFile(receiptPath, 'receipt');
  try {
    const receipt = parseTlogProof(text);
    if (receipt.extra === undefined) {
      throw new CliError(`receipt ${receiptPath} has no extra line, so it does not carry the entry`);
    }
    const { checkpoint } = openCheckpoint(receipt.checkpoint, noteVerifier(logKey), logKey.name);
    const leafHash = hashLeaf(receipt.extra);
    verifyInclusion(receipt.index, checkpoint.size, leafHash, receipt.proof, checkpoint.rootHash);
    const summary = describeEntry(receipt.extra);
    const result = {
      valid: true,
      origin: checkpoint.origin,
      index: receipt.index,
      treeSize: checkpoint.size,
      leafHash: Buffer.from(leafHash).toString('base64'),
      ...summary,
    };
    if (options.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    } else {
      const what = summary.kind ? ` (${summary.kind} by ${summary.actor})` : '';
      process.stdout.write(
        `receipt valid: entry ${receipt.index}${what} is in ${checkpoint.origin} at tree size ${checkpoint.size}\n`,
      );
    }
  } catch (err) {
    if (!(err instanceof LedgerError)) throw err;
    if (options.json) {
      process.stdout.write(JSON.stringify({ valid: false, code: err.code, message: err.message }) + '\n');
    }
    throw new CliError(`receipt ${receiptPath} does not verify (${err.code}): ${err.message}`);
  }
}

/** Reads kind and actor from the entry for display; the receipt stays valid for any entry bytes. */
function describeEntry(entry: Uint8Array): { kind?: string; actor?: string; loggedAt?: number } {
  try {
    const parsed = JSON.parse(Buffer.from(entry).toString('utf8')) as Record<string, unknown>;
    return {
      kind: typeof parsed.kind === 'string' ? parsed.kind : undefined,
      actor: typeof parsed.actor === 'string' ? parsed.actor : undefined,
      loggedAt: typeof parsed.loggedAt === 'number' ? parsed.loggedAt : undefined,
    };
  } catch {
    return {};
  }
}
