import { LedgerError } from '../../ledger/errors.js';
import { noteVerifier, type NoteVerifier } from '../../ledger/note.js';
import { buildTimeline, checkHistoryQuery, timelineFromReceipt, type Timeline } from '../../monitor/history.js';
import { ReportError } from '../../monitor/history-errors.js';
import { readVerifiedLog, verifyLogEntries, type VerifiedLog } from '../../monitor/history-log.js';
import { formatTimelineJson, formatTimelineText } from '../../monitor/history-text.js';
import { openReceipt, type Receipt } from '../../verifier/receipt.js';
import type { TlogPolicy } from '../../verifier/tlog-policy.js';
import { CliError, UsageError } from '../errors.js';
import { readPolicy, readReceipt } from '../evidence-files.js';
import { HubClient } from '../hub-client.js';
import { readVerifierKeyFile } from '../key-files.js';
import { hubFetcher } from './hub-fetcher.js';

/** The flags `ecert history` and `ecert kpi` share to name and check a log. */
export interface LogSourceOptions {
  hub?: string;
  receipt?: string;
  vkey: string;
  policy?: string;
}

export interface HistoryOptions extends LogSourceOptions {
  json?: boolean;
}

export async function runHistory(query: string, options: HistoryOptions): Promise<void> {
  try {
    checkHistoryQuery(query);
  } catch (error) {
    if (error instanceof ReportError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  const source = await readLogSource(options);
  const timeline = await reportErrors(async (): Promise<Timeline> => {
    if (source.kind === 'log') return buildTimeline(source.log, query);
    return timelineFromReceipt(openReceipt(source.receipt, source.logKey), query);
  });
  process.stdout.write(options.json ? formatTimelineJson(timeline) : formatTimelineText(timeline));
}

/** A log checked in full, or a receipt without the log (history only). */
export type LogSource = { kind: 'log'; log: VerifiedLog } | { kind: 'receipt'; receipt: Receipt; logKey: NoteVerifier };

/**
 * Reads and verifies the log named by --hub or --receipt with the key in --vkey.
 * @throws UsageError for bad flags or files, CliError (exit 1) when the log does not verify.
 */
export async function readLogSource(options: LogSourceOptions): Promise<LogSource> {
  if ((options.hub === undefined) === (options.receipt === undefined)) throw new UsageError('give exactly one of --hub or --receipt');
  const logKey = noteVerifier(readVerifierKeyFile(options.vkey));
  const policy = options.policy === undefined ? undefined : readPolicy(options.policy);
  if (options.receipt !== undefined) {
    const receipt = readReceipt(options.receipt);
    if (receipt.log === undefined) return { kind: 'receipt', receipt, logKey };
    const note = receipt.proofs[0]!.checkpoint;
    return { kind: 'log', log: await reportErrors(async () => verifyLogEntries(note, receipt.log!, logKey, policy)) };
  }
  const client = new HubClient(options.hub!);
  return { kind: 'log', log: await reportErrors(() => readVerifiedLog(hubFetcher(client), logKey, policy)) };
}

/** Turns the typed errors of verification and lookups into exit code 1 with their code. */
export async function reportErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    throw new CliError(`${error.message} (${error.code})`, 1, { cause: error });
  }
}
