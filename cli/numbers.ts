import { UsageError } from './errors.js';

/** Parses a flag value as a non-negative integer below 2^53, naming the flag on failure. */
export function parseCount(text: string, flag: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} must be a whole number from 0 to 2^53-1`);
  }
  return Number(text);
}

/** Parses a flag value as an integer from `min` to `max`, naming the flag and the range on failure. */
export function parseCountInRange(text: string, flag: string, min: number, max: number): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} must be a whole number from ${min} to ${max}`);
  }
  return Number(text);
}
