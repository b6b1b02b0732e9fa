import { UsageError } from './errors.js';

/** Parses a flag value as a non-negative integer below 2^53, naming the flag on failure. */
export function parseCount(text: string, flag: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} must be a whole number from 0 to 2^53-1`);
  }
  return Number(text);
}
