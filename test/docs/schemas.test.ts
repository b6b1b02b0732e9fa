import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { KINDS } from '../../registry/kinds/index.js';
import { schemas } from '../../registry/schemas.js';

const schemaDir = resolve(__dirname, '../../docs/schemas');
const recordsDoc = readFileSync(resolve(__dirname, '../../docs/RECORDS.md'), 'utf8');

describe('published schemas', () => {
  it('has one file per kind and no other', () => {
    const files = readdirSync(schemaDir).sort();
    expect(files).toEqual(KINDS.map((kind) => `${kind}.json`).sort());
  });

  it.each(KINDS)('docs/schemas/%s.json equals the registry schema', (kind) => {
    // Regenerate with `node dist/cli/main.js schemas --out docs/schemas` after changing a schema.
    const published = JSON.parse(readFileSync(resolve(schemaDir, `${kind}.json`), 'utf8')) as unknown;
    expect(published).toEqual(JSON.parse(JSON.stringify(schemas[kind])));
  });

  it.each(KINDS)('docs/RECORDS.md describes %s', (kind) => {
    expect(recordsDoc).toContain(`| \`${kind}\` |`);
  });
});
