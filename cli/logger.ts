import { pino, type Logger } from 'pino';

/** The process logger: JSON lines on stderr, level from ECERT_LOG_LEVEL (default info). */
export function createLogger(): Logger {
  return pino({ level: process.env.ECERT_LOG_LEVEL ?? 'info' }, pino.destination(2));
}
