import type { LogFetcher } from '../../verifier/log-fetch.js';
import type { HubClient } from '../hub-client.js';

/** Reads the log's C2SP resources through the hub client. */
export function hubFetcher(client: HubClient): LogFetcher {
  return { text: (path) => client.getText(path), bytes: (path) => client.getBytes(path) };
}
