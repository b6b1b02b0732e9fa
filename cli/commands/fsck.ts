import type { Command } from 'commander';

import type { FsckOptions } from './fsck-run.js';

export function registerFsck(program: Command): void {
  program
    .command('fsck')
    .summary("check a stopped hub's data directory from end to end")
    .description(
      'Checks the data files (log.key, log.vkey, genesis.json against entry 0), every tile against ' +
        'the level below it, every entry bundle against its level-0 tile, every stored checkpoint ' +
        "against the tree and the log key's signature, and every entry's index keys. Prints each " +
        'problem with where it is. Never creates or repairs anything. Exits 0 when the directory is ' +
        'sound, 1 when it is not. Stop the hub first: the store is locked.',
    )
    .option('--data <dir>', 'data directory', './data')
    .option('--json', 'print the report as JSON')
    .action(async (options: FsckOptions) => {
      const { runFsck } = await import('./fsck-run.js');
      await runFsck(options);
    });
}
