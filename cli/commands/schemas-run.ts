import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { KINDS } from '../../registry/kinds/index.js';
import { schemas } from '../../registry/schemas.js';

export interface SchemasOptions {
  out?: string;
}

export function runSchemas(options: SchemasOptions): void {
  if (options.out === undefined) {
    process.stdout.write(JSON.stringify(schemas, null, 2) + '\n');
    return;
  }
  mkdirSync(options.out, { recursive: true });
  for (const kind of KINDS) {
    writeFileSync(join(options.out, `${kind}.json`), JSON.stringify(schemas[kind], null, 2) + '\n');
  }
  process.stderr.write(`wrote ${KINDS.length} schemas to ${options.out}\n`);
}
