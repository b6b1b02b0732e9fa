import { VerificationError } from '../verifier/errors.js';
import { parseReceipt, type Receipt } from '../verifier/receipt.js';
import { parseTlogPolicy, type TlogPolicy } from '../verifier/tlog-policy.js';
import { UsageError } from './errors.js';
import { readFlagFile } from './key-files.js';

/** Reads a c2sp.org/tlog-policy file named by --policy; a malformed one is a usage error. */
export function readPolicy(file: string): TlogPolicy {
  try {
    return parseTlogPolicy(readFlagFile(file, '--policy'));
  } catch (error) {
    if (error instanceof VerificationError) throw new UsageError(`--policy file ${file}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Reads an ecert-receipt/v1 file named by --receipt; a malformed one is a usage error. */
export function readReceipt(file: string): Receipt {
  try {
    return parseReceipt(readFlagFile(file, '--receipt'));
  } catch (error) {
    if (error instanceof VerificationError) throw new UsageError(`--receipt file ${file}: ${error.message}`, { cause: error });
    throw error;
  }
}
