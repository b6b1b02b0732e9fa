import type { Command } from 'commander';

import { checkHub } from '../../api/hub-fsck.js';
import { LedgerError } from '../../ledger/errors.js';
import { CliError } from '../errors.js';

interface FsckOptions {
  data: string;
  json?: boolean;
}

export function registerFsck(program: Command): void {
  program
    .command('fsck')
    .summary("check a stopped hub's data directory from end to end")
    .description(
      'Checks the data files (log.key, log.vkey, genesis.json against entry 0), every tile against\n' +
        'the level below it, every entry bundle against its level-0 tile, every stored checkpoint\n' +
        "against the tree and the log key's signature, and every entry's index keys. Prints each\n" +
        'problem with where it is. Never creates or repairs anything. Exits 0 when the directory is\n' +
        'sound, 1 when it is not. Stop the hub first: the store is locked.',
    )
    .option('--data <dir>', 'data directory', './data')
    .option('--json', 'print the report as JSON')
    .action(async (options: FsckOptions) => {
      await runFsck(options);
    });
}

async function runFsck(options: FsckOptions): Promise<void> {
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
