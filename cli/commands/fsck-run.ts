import { checkHub } from '../../api/hub-fsck.js';
import { LedgerError } from '../../ledger/errors.js';
import { CliError } from '../errors.js';

export interface FsckOptions {
  data: string;
  json?: boolean;
}

export async function runFsck(options: FsckOptions): Promise<void> {
  let report;
  try {
    report = await checkHub(options.data);
  } catch (error) {
    if (error instanceof LedgerError) {
      throw new CliError(`cannot check ${options.data} (${error.code}): ${error.message}`, 1, { cause: error });
    }
    throw error;
  }
  if (options.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    process.stdout.write(
      `checked tree size ${report.size}: ${report.tilesChecked} tiles, ${report.bundlesChecked} bundles, ` +
        `${report.checkpointsChecked} checkpoints, ${report.entriesChecked} entries\n`,
    );
    for (const problem of report.problems) {
      process.stdout.write(`${problem.where}: ${problem.code}: ${problem.message}\n`);
    }
    if (report.truncated) process.stdout.write('more problems were found than listed\n');
  }
  if (report.problems.length > 0) {
    throw new CliError(`data directory ${options.data} has ${report.problems.length} problem(s)`);
  }
}
