import { availableParallelism } from 'node:os';

import { SingleBar } from 'cli-progress';

import { noteVerifier } from '../../ledger/note.js';
import { alarmOutput } from '../../monitor/alarms.js';
import { Monitor } from '../../monitor/monitor.js';
import { listenForPeers, type PeerEndpoint } from '../../monitor/monitor-listen.js';
import { UsageError } from '../errors.js';
import { readVerifierKeyFile } from '../key-files.js';
import { createLogger } from '../logger.js';
import { parseCount } from '../numbers.js';

export interface MonitorCommandOptions {
  hub: string;
  vkey: string;
  state: string;
  genesis?: string;
  peer: string[];
  listen?: string;
  once?: boolean;
  interval: string;
  stallAfter: string;
  json?: boolean;
  webhook?: string;
  replay: boolean;
  verifyThreads?: string;
}

/** Exit codes of `--once`: 0 no alarm, 1 alarms raised now or standing from earlier runs, 3 the hub could not be read. */
const EXIT_ALARM = 1;
const EXIT_HUB_UNREACHABLE = 3;
/** A catch-up of at least this many entries shows a progress bar on a terminal. */
const PROGRESS_BAR_MIN_ENTRIES = 4096;
/** Most worker threads `--verify-threads` accepts, the limit of the monitor's worker pool. */
const MAX_VERIFY_THREADS = 1024;

function parseUrl(text: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag} ${text} is not a URL; give one like http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} ${text} must be an http or https URL`);
  return url.href.replace(/\/+$/, '');
}

function parseGenesis(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== text) {
    throw new UsageError(`--genesis ${text} is not a base64 SHA-256 leaf hash (44 characters)`);
  }
  return new Uint8Array(bytes);
}

/** Runs `ecert monitor` and returns its exit code. */
export async function runMonitor(options: MonitorCommandOptions): Promise<number> {
  const logger = createLogger();
  const hubUrl = parseUrl(options.hub, '--hub');
  const peers = options.peer.map((peer) => parseUrl(peer, '--peer'));
  const webhook = options.webhook === undefined ? undefined : parseUrl(options.webhook, '--webhook');
  const intervalMs = parseCount(options.interval, '--interval') * 1000;
  const stallAfterMs = parseCount(options.stallAfter, '--stall-after') * 1000;
  const listenPort = options.listen === undefined ? undefined : parseCount(options.listen, '--listen');
  if (listenPort !== undefined && listenPort > 65535) throw new UsageError(`--listen ${listenPort} must be at most 65535`);
  if (intervalMs === 0) throw new UsageError('--interval must be at least 1 second');
  const logKey = noteVerifier(readVerifierKeyFile(options.vkey));
  const genesisLeafHash = options.genesis === undefined ? undefined : parseGenesis(options.genesis);
  const verifyThreads = options.verifyThreads === undefined ? availableParallelism() : parseCount(options.verifyThreads, '--verify-threads');
  if (verifyThreads > MAX_VERIFY_THREADS) throw new UsageError(`--verify-threads ${verifyThreads} must be at most ${MAX_VERIFY_THREADS}`);

  const print = (line: string): void => void process.stdout.write(`${line}\n`);
  const progress = progressReporter();
  const monitor = await Monitor.open({
    hubUrl,
    logKey,
    stateDir: options.state,
    genesisLeafHash,
    peers,
    replay: options.replay,
    verifyThreads,
    stallAfterMs,
    logger,
    alarms: alarmOutput({ logger, print, json: options.json, webhook }),
    onProgress: progress.update,
  });
  let endpoint: PeerEndpoint | undefined;
  try {
    if (listenPort !== undefined) {
      endpoint = await listenForPeers({ origin: monitor.origin, latestNote: () => monitor.latest?.note, port: listenPort, logger });
      print(options.json === true ? JSON.stringify({ listening: endpoint.url }) : `listening on ${endpoint.url}`);
    }
    if (options.once === true) {
      const result = await monitor.poll();
      progress.stop();
      printSummary(print, options.json === true, result.size, result.alarms.length, monitor.replayedSize, monitor.latest?.rootHash, monitor.replayHaltedAt);
      const earlier = result.standingAlarms - result.alarms.length;
      if (earlier > 0) {
        const line = `${earlier} alarm${earlier === 1 ? '' : 's'} raised earlier, still standing; see ${options.state}`;
        print(options.json === true ? JSON.stringify({ standingAlarms: result.standingAlarms, earlierAlarms: earlier, state: options.state }) : line);
      }
      // Alarms of earlier runs stay in the state: a proven fork or rollback stays proven, and an
      // entry that halted the replay in an earlier run was alarmed then, so the log is still bad.
      if (result.standingAlarms > 0 || monitor.replayHaltedAt !== undefined) return EXIT_ALARM;
      return result.reachedHub ? 0 : EXIT_HUB_UNREACHABLE;
    }
    await pollUntilStopped(monitor, intervalMs, progress.stop);
    return 0;
  } finally {
    progress.stop();
    await endpoint?.close();
    await monitor.close();
  }
}

/** Polls every `intervalMs` until SIGINT or SIGTERM. */
async function pollUntilStopped(monitor: Monitor, intervalMs: number, afterPoll: () => void): Promise<void> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let running = true;
  void stopped.then(() => (running = false));
  while (running) {
    await monitor.poll();
    afterPoll();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise<void>((resolve) => (timer = setTimeout(resolve, intervalMs)))]);
    clearTimeout(timer);
  }
}

function printSummary(
  print: (line: string) => void,
  json: boolean,
  size: number,
  alarms: number,
  replayed: number | undefined,
  rootHash: Uint8Array | undefined,
  haltedAt: number | undefined,
): void {
  const root = rootHash === undefined ? null : Buffer.from(rootHash).toString('base64');
  if (json) {
    print(JSON.stringify({ verifiedSize: size, rootHash: root, alarms, replayedSize: replayed ?? null, replayHaltedAt: haltedAt ?? null }));
    return;
  }
  let replay = replayed === undefined ? 'replay off' : `${replayed} entries replayed`;
  if (haltedAt !== undefined) replay += `, replay halted at entry ${haltedAt}`;
  print(`verified size ${size} (root ${root ?? 'none'}), ${replay}, ${alarms} alarm${alarms === 1 ? '' : 's'}`);
}

/** Shows a cli-progress bar for long catch-ups when stderr is a terminal. */
function progressReporter(): { update: (verified: number, target: number) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  if (process.stderr.isTTY !== true) return { update: () => undefined, stop };
  return {
    update(verified, target) {
      if (bar === undefined) {
        if (target - verified < PROGRESS_BAR_MIN_ENTRIES) return;
        bar = new SingleBar({ format: 'verifying [{bar}] {value}/{total} entries', stream: process.stderr });
        bar.start(target, verified);
      }
      bar.update(verified);
      if (verified >= target) stop();
    },
    stop,
  };
}
