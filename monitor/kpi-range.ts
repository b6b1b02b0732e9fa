/** The time window of a KPI report, from `--from` and `--to`. */
import { ReportError } from './history-errors.js';

/** An inclusive window of log times in epoch milliseconds; an absent bound is open. */
export interface TimeWindow {
  from?: number;
  to?: number;
}

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses `--from` and `--to`. A date `YYYY-MM-DD` covers that whole UTC day, so `--from` takes
 * its first millisecond and `--to` its last. An RFC 3339 time is one instant. Both bounds are
 * inclusive. Log times are whole milliseconds, so a finer fraction rounds inward.
 * @throws ReportError `invalid_date` or `invalid_range` (from after to).
 */
export function parseTimeWindow(from?: string, to?: string): TimeWindow {
  const window: TimeWindow = {};
  const start = from === undefined ? undefined : parseBound(from, 'from');
  if (start !== undefined) window.from = start.ms;
  if (to !== undefined) window.to = parseBound(to, 'to').ms;
  // Rounding inward can leave an empty window inside one millisecond, which is no user error.
  const slack = start?.roundedUp === true ? 1 : 0;
  if (window.from !== undefined && window.to !== undefined && window.from > window.to + slack) {
    throw new ReportError('invalid_range', `--from ${from} is after --to ${to}`, { from: from!, to: to! });
  }
  return window;
}

/** Returns whether a log time falls in the window. */
export function inWindow(window: TimeWindow, time: number): boolean {
  return (window.from === undefined || time >= window.from) && (window.to === undefined || time <= window.to);
}

function parseBound(text: string, bound: 'from' | 'to'): { ms: number; roundedUp: boolean } {
  const shown = String(text).slice(0, 64);
  const invalid = (why: string): ReportError =>
    new ReportError('invalid_date', `--${bound} ${JSON.stringify(shown)} is not a valid date: ${why}; give YYYY-MM-DD or RFC 3339`, {
      [bound]: shown,
    });
  if (typeof text !== 'string' || text.length > 40) throw invalid('too long');
  const date = DATE_PATTERN.exec(text);
  if (date !== null) {
    const start = utcDay(date, invalid);
    return { ms: bound === 'from' ? start : start + DAY_MS - 1, roundedUp: false };
  }
  const time = RFC3339_PATTERN.exec(text);
  if (time === null) throw invalid('unknown format');
  const day = utcDay(time, invalid);
  const [hour, minute, second] = [Number(time[4]), Number(time[5]), Number(time[6])];
  // Leap seconds (:60) have no epoch millisecond of their own, so they are rejected.
  if (hour > 23 || minute > 59 || second > 59) throw invalid('time of day out of range');
  const fraction = (time[7] ?? '').padEnd(9, '0');
  const wholeMs = Number(fraction.slice(0, 3));
  const finer = Number(fraction.slice(3)) > 0;
  const offsetMs = parseOffset(time[8]!, invalid);
  const ms = day + ((hour * 60 + minute) * 60 + second) * 1000 + wholeMs - offsetMs;
  const roundedUp = finer && bound === 'from';
  return { ms: roundedUp ? ms + 1 : ms, roundedUp };
}

function utcDay(match: RegExpExecArray, invalid: (why: string) => ReportError): number {
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  // Date.UTC rolls 2026-02-30 over into March, so a changed day means the date does not exist.
  if (year < 1970 || check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw invalid('no such calendar date from 1970 on');
  }
  return ms;
}

function parseOffset(text: string, invalid: (why: string) => ReportError): number {
  if (text === 'Z' || text === 'z') return 0;
  const hours = Number(text.slice(1, 3));
  const minutes = Number(text.slice(4, 6));
  if (hours > 23 || minutes > 59) throw invalid('offset out of range');
  return (text[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}
