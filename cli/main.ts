#!/usr/bin/env node
import { CommanderError } from 'commander';

import { LedgerError } from '../ledger/errors.js';
import { CliError } from './errors.js';
import { buildProgram } from './program.js';

/** Runs the `ecert` command and exits with its contract's code. */
async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = exitCodeOf(error);
  }
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed the message; help and version exit 0, usage errors 2.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof CliError) {
    process.stderr.write(`ecert: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof LedgerError) {
    process.stderr.write(`ecert: ${error.message} (${error.code})\n`);
    return 1;
  }
  const systemCode = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof systemCode === 'string' && /^E[A-Z]+$/.test(systemCode)) {
    // A system call failed (a port in use, a path that is not a directory): the message names it.
    process.stderr.write(`ecert: ${(error as Error).message}\n`);
    return 1;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`ecert: unexpected error: ${message}\n`);
  return 1;
}

await main(process.argv);
