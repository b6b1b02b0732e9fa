/**
 * Errors the `ecert` command reports to its user. `exitCode` follows the
 * command contracts: 2 for a usage error (a missing or malformed flag or
 * file), 1 for a failed check or a refused request.
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A flag, argument or input file the user has to fix before running again. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 2, options);
  }
}
