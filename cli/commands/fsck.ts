import { join } from 'node:path';

import type { Command } from 'commander';

import { DATA_FILES } from '../../api/data-dir.js';
import { checkStore } from '../../ledger/fsck.js';
import { openLevelStorage } from '../../ledger/level-storage.js';
import { LedgerError } from '../../ledger/errors.js';
import { CliError } from '../errors.js';

interface FsckOptions {
  data: string;
  json?: boolean;
}

export function registerFsck(program: Command): void {
  program
    .command('fsck')
    .summary("check a stopped hub's store from end to end")
    .description(
      'Checks every tile against the level below it, every entry bundle against its level-0 tile,\n' +
        'and every stored checkpoint against the tree. Prints each problem with where it is.\n' +
        'Exits 0 when the store is sound, 1 when it is not. Stop the hub first: the store is locked.',
    )
    .option('--data <dir>', 'data directory', './data')
    .option('--json', 'print the report as JSON')
    .action(async (options: FsckOptions) => {
      await runFsck(options);
    });
}

async function runFsck(options: FsckOptions): Promise<void> {
  let storage;
  try {
    storage = await openLevelStorage(join(options.data, DATA_FILES.store));
  } catch (error) {
    if (error instanceof LedgerError) {
      throw new CliError(`cannot open the store in ${options.data} (${error.code}): ${error.message}`);
    }
    throw error;
  }
  try {
    const report = await checkStore(storage);
    if (options.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      process.stdout.write(
        `checked tree size ${report.size}: ${report.tilesChecked} tiles, ${report.bundlesChecked} bundles, ` +
          `${report.checkpointsChecked} checkpoints\n`,
      );
      for (const problem of report.problems) {
        process.stdout.write(`${problem.where}: ${problem.code}: ${problem.message}\n`);
      }
      if (report.truncated) process.stdout.write('more problems were found than listed\n');
    }
    if (report.problems.length > 0) {
      throw new CliError(`store in ${options.data} has ${report.problems.length} problem(s)`);
    }
  } finally {
    await storage.close();
  }
}
