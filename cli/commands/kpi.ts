import { Option, type Command } from 'commander';

import type { KpiOptions } from './kpi-run.js';

const FORMATS = ['table', 'json', 'csv', 'html'] as const;
export type KpiFormat = (typeof FORMATS)[number];

export function registerKpi(program: Command): void {
  program
    .command('kpi')
    .summary('compute exchange KPIs from the verified log')
    .description(
      'Reads the whole log (--hub, or a --receipt written with --with-log), checks it against a ' +
        'checkpoint signed by the log key in --vkey, replays the registry, and reports from the log ' +
        'alone, over entries whose log time is in [--from, --to]:\n' +
        '  exchanges per country pair (exchange.send), deliveries,\n' +
        '    acknowledgements and purges;\n' +
        '  delivery latency: log time of the exchange.deliver (delivered)\n' +
        '    minus that of its exchange.send;\n' +
        '  verification latency: log time of the verification.record minus\n' +
        '    that of its exchange.send; a latency counts in the window of its\n' +
        '    later entry; median and p90 interpolate linearly between ranks;\n' +
        '  acceptance, rejection and query rates: each decision of\n' +
        '    verification.record over all;\n' +
        '  rejection reasons: the checks not PASSED in rejected records, and\n' +
        '    the reasons of negative acknowledgements; exceptions by reason;\n' +
        '  key rotations: registrar.rotate, registrar.recover once its\n' +
        '    approvals reach the quorum, cabkey.register and cabkey.revoke;\n' +
        '  registry changes by kind.\n' +
        'Exits 0 on success, 1 when the log does not verify, 2 on a usage error.',
    )
    .option('--hub <url>', 'read the log from the hub at this URL')
    .option('--receipt <file>', 'read the log from this receipt file, written with ecert receipt --with-log')
    .requiredOption('--vkey <file>', "file with the log's verifier key (never taken from the hub)")
    .option('--policy <file>', 'c2sp.org/tlog-policy witness policy; defaults to the witness set in the log')
    .option('--from <date>', 'first log time counted: YYYY-MM-DD (UTC, from 00:00) or an RFC 3339 time')
    .option('--to <date>', 'last log time counted: YYYY-MM-DD (UTC, to the end of that day) or an RFC 3339 time')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('-o, --output <file>', 'write the report to this file instead of standard output')
    .action(async (options: KpiOptions) => {
      const { runKpi } = await import('./kpi-run.js');
      await runKpi(options);
    });
}
