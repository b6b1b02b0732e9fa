import { readFileSync, statSync } from 'node:fs';

import { LedgerError } from '../../ledger/errors.js';
import { noteVerifier, type VerifierKey } from '../../ledger/note.js';
import { fetchLog } from '../../verifier/log-fetch.js';
import type { Receipt } from '../../verifier/receipt.js';
import { formatReport } from '../../verifier/report-text.js';
import type { TlogPolicy } from '../../verifier/tlog-policy.js';
import { verifyDocument, type VerificationEvidence } from '../../verifier/verify.js';
import { CliError, UsageError } from '../errors.js';
import { HubClient } from '../hub-client.js';
import { readPolicy, readReceipt } from '../evidence-files.js';
import { readVerifierKeyFile } from '../key-files.js';
import { hubFetcher } from './hub-fetcher.js';

/** Maximum PDF size read, in bytes: the PDF validator's own file-size limit. */
export const MAX_PDF_FILE_SIZE = 64 * 1024 * 1024;

export interface VerifyOptions {
  hub?: string;
  receipt?: string;
  vkey?: string;
  policy?: string;
  requireBaselineB?: boolean;
  json?: boolean;
}

/** Exit code of each overall result. */
const EXIT_CODES = { 'TOTAL-PASSED': 0, 'TOTAL-FAILED': 1, INDETERMINATE: 3 } as const;

/** Runs `ecert verify` and returns its exit code; throws UsageError for a usage error. */
export async function runVerify(file: string, options: VerifyOptions): Promise<number> {
  if (options.hub !== undefined && options.receipt !== undefined) {
    throw new UsageError('give either --hub or --receipt, not both');
  }
  const online = options.hub !== undefined || options.receipt !== undefined;
  if (!online && (options.vkey !== undefined || options.policy !== undefined)) {
    throw new UsageError('--vkey and --policy need --hub or --receipt');
  }
  if (online && options.vkey === undefined) {
    throw new UsageError("--hub and --receipt need --vkey, the log's verifier key file");
  }
  const pdf = readPdf(file);
  const logKey = options.vkey === undefined ? undefined : readVerifierKeyFile(options.vkey);
  const policy = options.policy === undefined ? undefined : readPolicy(options.policy);
  const evidence = await gatherEvidence(options, logKey, policy);

  const report = await verifyDocument({ pdf, logKey, policy, requireBaselineB: options.requireBaselineB, evidence });
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return EXIT_CODES[report.result];
}

async function gatherEvidence(options: VerifyOptions, logKey: VerifierKey | undefined, policy: TlogPolicy | undefined): Promise<VerificationEvidence> {
  if (options.receipt !== undefined) {
    const receipt = readReceipt(options.receipt);
    if (receipt.log === undefined && policy === undefined) {
      throw new UsageError(`receipt ${options.receipt} carries no log, so --policy is required`);
    }
    return { kind: 'receipt', receipt };
  }
  if (options.hub !== undefined) {
    const client = new HubClient(options.hub);
    try {
      const log = await fetchLog(hubFetcher(client), noteVerifier(logKey!), policy);
      return { kind: 'log', checkpoint: log.checkpoint, entries: log.entries };
    } catch (error) {
      if (error instanceof LedgerError) {
        throw new CliError(`the hub at ${client.baseUrl} served a log that does not decode (${error.code}): ${error.message}`, 1, { cause: error });
      }
      // An unreachable or failing hub leaves the evidence out of reach: INDETERMINATE/TRY_LATER.
      if (!(error instanceof CliError)) throw error;
      process.stderr.write(`ecert: ${error.message}\n`);
      return { kind: 'none', reason: `the hub at ${client.baseUrl} could not be read` };
    }
  }
  return { kind: 'none' };
}

function readPdf(file: string): Uint8Array {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new UsageError(`cannot read PDF file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  if (size > MAX_PDF_FILE_SIZE) throw new UsageError(`PDF file ${file} is ${size} bytes, maximum ${MAX_PDF_FILE_SIZE}`);
  return new Uint8Array(readFileSync(file));
}
