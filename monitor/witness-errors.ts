import { LedgerError } from '../ledger/errors.js';

/**
 * A rejected add-checkpoint request (c2sp.org/tlog-witness). `status` is the HTTP status the
 * protocol assigns to the failed check; `latestSize` is set for 409, whose body carries it.
 */
export class WitnessError extends LedgerError {
  readonly status: number;
  readonly latestSize?: number;

  constructor(status: number, code: string, message: string, options: { latestSize?: number; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.status = status;
    this.latestSize = options.latestSize;
  }
}
