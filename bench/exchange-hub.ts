/**
 * Runs `ecert serve` (dist/cli/main.js) in a child process for the exchange benchmark, so the hub
 * and the load generator do not share one event loop. The data directory starts empty, so the
 * hub creates the development setup with every participant's key in DIR/dev-keys.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built command line, next to this file's folder in dist/. */
const CLI_PATH = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const LISTEN_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const POLL_MS = 100;

export interface BenchHub {
  /** Base URL, e.g. http://127.0.0.1:40123. */
  url: string;
  dataDir: string;
  pid: number;
  /** The arguments after `node`, for the record: node options, the CLI path and `serve` with its flags. */
  args: string[];
  /** Stops the hub with SIGTERM (SIGKILL after 15 s) and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts `node [nodeArgs] ecert serve --data DIR --host 127.0.0.1 --port 0 --batch-interval MS` on a new
 * temporary directory. The hub's pino log goes to a file in that directory rather than through a
 * pipe, so the load generator spends no time reading it. The hub's address is read from that file.
 */
export async function startBenchHub(batchIntervalMs: number, nodeArgs: readonly string[] = []): Promise<BenchHub> {
  const root = await mkdtemp(path.join(tmpdir(), 'ecert-bench-exchange-'));
  const dataDir = path.join(root, 'data');
  const logPath = path.join(root, 'hub.log');
  const args = [...nodeArgs, CLI_PATH, 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--batch-interval', String(batchIntervalMs)];
  const logFd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, args, {
      env: { ...process.env, ECERT_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', logFd],
    });
  } finally {
    // The child keeps its own copy of the descriptor.
    closeSync(logFd);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(root, { recursive: true, force: true });
  };
  try {
    const url = await waitForAddress(child, logPath);
    return { url, dataDir, pid: child.pid!, args, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls the hub's log for its `hub listening` line and returns the address in it. */
async function waitForAddress(child: ChildProcess, logPath: string): Promise<string> {
  const deadline = Date.now() + LISTEN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const log = readFileSync(logPath, 'utf8');
    const match = /"address":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"hub listening"/.exec(log);
    if (match !== null) return match[1]!;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`ecert serve exited with code ${child.exitCode} (signal ${child.signalCode}) before listening:\n${log.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`ecert serve did not log "hub listening" within ${LISTEN_TIMEOUT_MS / 1000} s; its log is ${logPath}`);
}
