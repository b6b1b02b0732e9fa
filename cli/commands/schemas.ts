import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Command } from 'commander';

import { KINDS } from '../../registry/kinds/index.js';
import { schemas } from '../../registry/schemas.js';

interface SchemasOptions {
  out?: string;
}

export function registerSchemas(program: Command): void {
  program
    .command('schemas')
    .summary('print or write the JSON schema of every entry body')
    .description(
      'Prints the normative JSON schemas (draft 2020-12) of the entry bodies, kind -> schema, as one\n' +
        'JSON object; with --out, writes <kind>.json files into that directory instead.',
    )
    .option('--out <dir>', 'directory to write one <kind>.json file per kind into')
    .action((options: SchemasOptions) => {
      if (options.out === undefined) {
        process.stdout.write(JSON.stringify(schemas, null, 2) + '\n');
        return;
      }
      mkdirSync(options.out, { recursive: true });
      for (const kind of KINDS) {
        writeFileSync(join(options.out, `${kind}.json`), JSON.stringify(schemas[kind], null, 2) + '\n');
      }
      process.stderr.write(`wrote ${KINDS.length} schemas to ${options.out}\n`);
    });
}
