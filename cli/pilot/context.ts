import type { LogMirror } from './log-mirror.js';
import type { OutcomeLog } from './outcomes.js';
import type { Scenario } from './scenario.js';
import type { HubSession } from './session.js';

/** The session, log mirror, scenario and outcome log that every step of the pilot uses. */
export interface PilotContext {
  session: HubSession;
  mirror: LogMirror;
  scenario: Scenario;
  outcomes: OutcomeLog;
}

/** Submissions in flight at once where their order does not matter. */
export const SUBMIT_CONCURRENCY = 32;

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;
