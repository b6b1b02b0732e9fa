import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

/** Which project folders each folder may import (the component table of the design). */
const ALLOWED: Record<string, readonly string[]> = {
  ledger: [],
  registry: ['ledger'],
  pdf: [],
  verifier: ['ledger', 'registry', 'pdf'],
  api: ['ledger', 'registry', 'pdf', 'verifier'],
  monitor: ['ledger', 'registry', 'verifier'],
  cli: ['ledger', 'registry', 'pdf', 'verifier', 'api', 'monitor'],
};

/** Folders that return results or throw, and never log or touch the network. */
const PURE = ['ledger', 'registry', 'pdf', 'verifier'];
const IO_MODULES = ['pino', 'fastify', 'node:http', 'node:https', 'node:net', 'node:dgram', 'undici'];

/** Packages allowed only in some folders (cli/pilot counts as the pilot). */
const PKI_PACKAGES = ['pkijs', '@peculiar/x509'];
const PKI_FOLDERS = ['registry', 'pdf', 'verifier', 'cli/pilot'];

function sourceFiles(dir: string): string[] {
  let files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files = files.concat(sourceFiles(path));
    else if (name.endsWith('.ts')) files.push(path);
  }
  return files;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = new Set<string>();
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]/g)) found.add(match[1]!);
  for (const match of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.add(match[1]!);
  for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.add(match[1]!);
  return [...found];
}

const folders = Object.keys(ALLOWED).filter((folder) => {
  try {
    return statSync(join(root, folder)).isDirectory();
  } catch {
    return false;
  }
});

describe('module boundaries', () => {
  it.each(folders)('%s imports only the folders it may', (folder) => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(root, folder))) {
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith('.')) continue;
        const target = relative(root, resolve(join(file, '..'), specifier)).split('/')[0]!;
        if (target !== folder && !ALLOWED[folder]!.includes(target)) {
          violations.push(`${relative(root, file)} imports ${specifier}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it.each(PURE.filter((folder) => folders.includes(folder)))('%s does no logging or network I/O', (folder) => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(root, folder))) {
      for (const specifier of importsOf(file)) {
        if (IO_MODULES.includes(specifier)) violations.push(`${relative(root, file)} imports ${specifier}`);
      }
      if (/\bfetch\(|console\.(log|info|warn|error)\(/.test(readFileSync(file, 'utf8'))) {
        violations.push(`${relative(root, file)} calls fetch or console`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps pkijs and @peculiar/x509 in registry, pdf, verifier and the pilot', () => {
    const violations: string[] = [];
    for (const folder of folders) {
      for (const file of sourceFiles(join(root, folder))) {
        const path = relative(root, file);
        if (PKI_FOLDERS.some((allowed) => path.startsWith(`${allowed}/`))) continue;
        for (const specifier of importsOf(file)) {
          if (PKI_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`))) {
            violations.push(`${path} imports ${specifier}`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
