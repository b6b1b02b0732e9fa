/** Wall time of whole processes, for comparing `ecert verify` with another program on the same file. */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** Output kept from a timed process. A verification report of a few KB fits many times over. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

export interface ProcessRun {
  milliseconds: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface ProcessTiming {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

/**
 * Runs `command` with `args` to its exit and returns the wall time from spawn to exit with the
 * output. Rejects when the process cannot start, such as ENOENT for a missing program.
 */
export function runProcess(command: string, args: readonly string[]): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let keptBytes = 0;
    const keep = (into: Buffer[]) => (chunk: Buffer) => {
      if (keptBytes + chunk.length > MAX_OUTPUT_BYTES) return;
      keptBytes += chunk.length;
      into.push(chunk);
    };
    child.stdout.on('data', keep(stdout));
    child.stderr.on('data', keep(stderr));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      resolve({
        milliseconds: performance.now() - start,
        exitCode,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** Median, minimum and maximum of the run times, in milliseconds. */
export function summarizeRuns(milliseconds: readonly number[]): ProcessTiming {
  if (milliseconds.length === 0) throw new RangeError('no process runs to summarize');
  const sorted = [...milliseconds].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { runs: sorted.length, medianMs: median, minMs: sorted[0]!, maxMs: sorted.at(-1)! };
}
