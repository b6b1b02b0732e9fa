/**
 * Start-up of `ecert`: building the command tree loads commander and the light registration
 * modules only, so `--version`, `--help` and the start of each command pay for no server,
 * database, PDF or PKI library. Each command loads those in its action. A loader hook records
 * every URL that a fresh node process resolves while it imports dist/cli/program.js.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { ensureBuilt, PROJECT_ROOT } from '../helpers/hub-process.js';

const HOOKS_URL = pathToFileURL(path.join(PROJECT_ROOT, 'test/cli/fixtures/record-resolved.mjs')).href;
const DIST = path.join(PROJECT_ROOT, 'dist');

/** Libraries that only a command's action may load. */
const HEAVY_PACKAGES = ['fastify', 'pdf-lib', '@cantoo/pdf-lib', 'pkijs', '@peculiar/x509', 'level', 'ajv', 'pino', 'cli-progress'];

/** Project folders whose modules only a command's action may load. */
const ACTION_ONLY_FOLDERS = ['api', 'pdf', 'verifier', 'monitor', 'pilot'];

/** Every subcommand `ecert` registers. */
const COMMANDS = [
  'ack', 'checkpoint', 'exception', 'fetch', 'fsck', 'history', 'inbox', 'init', 'keygen', 'kpi', 'monitor', 'pilot',
  'proof', 'receipt', 'schemas', 'send', 'serve', 'sign', 'submit', 'verify', 'verify-receipt', 'witness',
];

/** Imports `module` (a path under dist) in a new node process and returns what it resolved. */
function recordImports(module: string): { commands: string[]; packages: string[]; projectFiles: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecert-startup-'));
  const outFile = path.join(dir, 'resolved.txt');
  try {
    const script = [
      "import { register } from 'node:module';",
      'const [hooks, outFile, target] = process.argv.slice(1);',
      'register(hooks, { data: { outFile } });',
      'const loaded = await import(target);',
      'const commands = loaded.buildProgram === undefined ? [] : loaded.buildProgram().commands.map((command) => command.name());',
      'process.stdout.write(JSON.stringify(commands));',
    ].join('\n');
    const target = pathToFileURL(path.join(DIST, module)).href;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, HOOKS_URL, outFile, target], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const urls = readFileSync(outFile, 'utf8').split('\n').filter((line) => line !== '');
    const packages = new Set<string>();
    const projectFiles = new Set<string>();
    for (const url of urls) {
      const inPackage = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      if (inPackage !== null) packages.add(inPackage[1]!);
      else if (url.startsWith(pathToFileURL(DIST).href + '/')) projectFiles.add(url.slice(pathToFileURL(DIST).href.length + 1));
    }
    return { commands: JSON.parse(result.stdout) as string[], packages: [...packages].sort(), projectFiles: [...projectFiles].sort() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

beforeAll(() => {
  ensureBuilt();
});

describe('ecert start-up', () => {
  it('registers every command without heavy libraries', () => {
    const { commands, packages } = recordImports('cli/program.js');
    expect([...commands].sort()).toEqual(COMMANDS);
    for (const name of HEAVY_PACKAGES) expect(packages, `building the program loaded ${name}`).not.toContain(name);
  });

  it('registers every command without action-only project modules', () => {
    const { projectFiles } = recordImports('cli/program.js');
    const actionOnly = projectFiles.filter((file) => ACTION_ONLY_FOLDERS.some((folder) => file.startsWith(`${folder}/`) || file.startsWith(`cli/${folder}/`)));
    expect(actionOnly).toEqual([]);
    const runModules = projectFiles.filter((file) => file.endsWith('-run.js'));
    expect(runModules).toEqual([]);
  });

  it('records the libraries an action module loads', () => {
    // Control: the hook records a package that a dist module imports, so the checks above can fail.
    const { packages } = recordImports('cli/commands/verify-run.js');
    expect(packages).toContain('pkijs');
    expect(packages).toContain('@peculiar/x509');
  });
});
