/**
 * Runs the built `ecert` command (dist/cli/main.js) as a child process: one-shot commands, and
 * `serve` on 127.0.0.1 with port 0, waiting for the address the hub logs once it listens.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, two folders above this file. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built command line entry point. */
export const CLI_PATH = path.join(PROJECT_ROOT, 'dist/cli/main.js');

/** Output and exit code of one finished command. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Compiles the project unless dist/ is newer than every source file of the folders the
 * command uses. `npm test` compiles first, so this matters only for a direct vitest run.
 */
export function ensureBuilt(): void {
  const built = existsSync(CLI_PATH) ? statSync(CLI_PATH).mtimeMs : 0;
  const sources = ['api', 'bench', 'cli', 'ledger', 'monitor', 'pdf', 'registry', 'verifier'].flatMap((folder) => listTypeScript(path.join(PROJECT_ROOT, folder)));
  if (built > 0 && sources.every((file) => statSync(file).mtimeMs <= built)) return;
  const result = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tsc failed:\n${result.stdout}${result.stderr}`);
}

function listTypeScript(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listTypeScript(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Runs `ecert <args>` to completion, with optional text on stdin. */
export function runCli(args: readonly string[], options: { input?: string; cwd?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: { ...process.env, ECERT_LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A running `ecert serve` child. */
export interface HubProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  /** Everything the hub wrote to stderr so far (pino JSON lines). */
  stderr(): string;
  /** Sends SIGKILL and waits for the process to end. */
  kill(): Promise<void>;
  /** Sends SIGTERM and waits for a clean shutdown. */
  stop(): Promise<void>;
}

export interface StartHubOptions {
  /** Extra `serve` flags, e.g. `['--batch-interval', '20']`. */
  args?: readonly string[];
  /** Milliseconds to wait for the hub to listen before giving up. */
  timeoutMs?: number;
}

/**
 * Starts `ecert serve --data DIR --host 127.0.0.1 --port 0` and resolves once the hub logs its
 * address. Rejects with the exit code and stderr if the process ends first.
 */
export function startHub(dataDir: string, options: StartHubOptions = {}): Promise<HubProcess> {
  const child = spawn(
    process.execPath,
    [CLI_PATH, 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', '0', ...(options.args ?? [])],
    { cwd: PROJECT_ROOT, env: { ...process.env, ECERT_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void waitExit('SIGKILL');
      reject(new Error(`hub on ${dataDir} did not listen within ${options.timeoutMs ?? 30_000} ms:\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /"address":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"hub listening"/.exec(stderr);
      if (match === null) return;
      clearTimeout(timer);
      resolve({
        url: match[1]!,
        dataDir,
        child,
        stderr: () => stderr,
        kill: () => waitExit('SIGKILL'),
        stop: () => waitExit('SIGTERM'),
      });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new HubExitError(code, signal, stderr));
    });
  });
}

/** The hub process ended before it listened. */
export class HubExitError extends Error {
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderr: string,
  ) {
    super(`hub exited with code ${code} (signal ${signal}) before listening:\n${stderr}`);
    this.name = 'HubExitError';
  }
}

/** A new temporary directory and a function that removes it. */
export function makeTempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `ecert-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
