import { availableParallelism } from 'node:os';

import type { Command } from 'commander';

import type { MonitorCommandOptions } from './monitor-run.js';

/**
 * Runs `ecert monitor` and returns its exit code, loading the monitor's modules on the first call.
 * The command and callers that start a monitor in-process use it.
 */
export async function runMonitor(options: MonitorCommandOptions): Promise<number> {
  const run = await import('./monitor-run.js');
  return run.runMonitor(options);
}

export function registerMonitor(program: Command): void {
  program
    .command('monitor')
    .summary('audit a hub: checkpoints, tiles, consistency and every entry')
    .description(
      'Follows the hub\'s /checkpoint and reads only its tiles and entry bundles. It checks each ' +
        'checkpoint\'s log signature, every bundle against its tiles, the consistency of each new ' +
        'checkpoint with the ones it accepted, and replays every entry through the registry rules. ' +
        'It compares its view with each --peer (a witness or another monitor) and raises an alarm ' +
        'for a bad signature, rollback, fork, rule violation, invalid actor signature, tile or root ' +
        'mismatch, a stalled log or a genesis mismatch. With --once it exits 1 if the state holds an ' +
        'alarm, raised now or by an earlier run, 3 if the hub could not be read, 0 otherwise.',
    )
    .requiredOption('--hub <url>', 'base URL of the hub')
    .requiredOption('--vkey <file>', "file with the log's verifier key; its name is the origin")
    .requiredOption('--state <dir>', "directory of the monitor's own LevelDB state")
    .option('--genesis <leafhash>', 'base64 leaf hash of entry 0 to pin')
    .option('--peer <url>', 'witness or monitor to compare checkpoints with (repeatable)', collect, [])
    .option('--listen <port>', 'serve the latest verified checkpoint to peers on 127.0.0.1:<port>')
    .option('--once', 'poll once and exit')
    .option('--interval <s>', 'seconds between polls', '30')
    .option('--stall-after <s>', 'seconds without a new checkpoint after which a growing log is stalled', '3600')
    .option('--json', 'print alarms and the summary as JSON lines')
    .option('--webhook <url>', 'POST each alarm as JSON to this URL')
    .option('--no-replay', 'skip the registry replay, for any c2sp.org/tlog-tiles log')
    .option(
      '--verify-threads <n>',
      `worker threads that decode entries and verify their actor signatures during the replay; 0 does it on the main thread (default: available cores, ${availableParallelism()} here)`,
    )
    .action(async (options: MonitorCommandOptions) => {
      process.exitCode = await runMonitor(options);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
