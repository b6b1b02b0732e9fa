import type { Command } from 'commander';

import type { SchemasOptions } from './schemas-run.js';

export function registerSchemas(program: Command): void {
  program
    .command('schemas')
    .summary('print or write the JSON schema of every entry body')
    .description(
      'Prints the normative JSON schemas (draft 2020-12) of the entry bodies, kind -> schema, as one ' +
        'JSON object; with --out, writes <kind>.json files into that directory instead.',
    )
    .option('--out <dir>', 'directory to write one <kind>.json file per kind into')
    .action(async (options: SchemasOptions) => {
      const { runSchemas } = await import('./schemas-run.js');
      runSchemas(options);
    });
}
