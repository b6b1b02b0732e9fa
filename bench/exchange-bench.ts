/**
 * Exchange benchmark: exchanges per second end to end over HTTP on 127.0.0.1, with `ecert serve`
 * in a child process and this process as the load generator. Each exchange is an upload (PDF,
 * `document.register`, `exchange.send`), the receiver's inbox read, the download (which logs
 * `exchange.deliver`) and the acknowledgement (`exchange.receive`). The sweep runs a number of
 * concurrent flows across the ordered country pairs, at each hub batch interval.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { DEFAULT_MAX_CONCURRENT_UPLOADS } from '../api/document-store.js';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../api/exchanges/setup.js';
import { BENCH_COUNTRIES, readDevKey, registerParticipants, waitForSignatures, type BenchCountry } from './exchange-client.js';
import { EXCHANGE_STEPS, makeDocument, runExchangeFlow, type ExchangeStep, type FlowParties, type FlowTimings } from './exchange-flow.js';
import { startBenchHub, type BenchHub } from './exchange-hub.js';
import type { Row } from './report.js';

export interface ExchangeBenchOptions {
  /** Hub `--batch-interval` values; each gets a new hub and log. */
  batchIntervalsMs: number[];
  /** Concurrent exchange flows, one timed run each. */
  concurrencies: number[];
  /** Length of each timed run; flows under way at its end finish and count. */
  secondsPerRun: number;
  /** Untimed exchanges at the largest concurrency after each hub start, so V8 has compiled the hub's paths. */
  warmUpSeconds: number;
  documentBytes: number;
  /** Node options of the hub process, such as `--cpu-prof` to profile it. */
  hubNodeArgs?: string[];
}

/**
 * 200 ms (the `ecert serve` default) and a short interval, with 1, 4 and 16 flows, take about
 * 90 s in all. Sixteen flows is the most, because the hub rejects a 17th concurrent upload.
 */
export const DEFAULT_EXCHANGE_OPTIONS: ExchangeBenchOptions = {
  batchIntervalsMs: [200, 10],
  concurrencies: [1, 4, 16],
  secondsPerRun: 10,
  warmUpSeconds: 3,
  documentBytes: 200 * 1024,
};

export interface Percentiles {
  p50Ms: number;
  p90Ms: number;
}

export interface ExchangeRun {
  batchIntervalMs: number;
  concurrency: number;
  exchanges: number;
  seconds: number;
  perSecond: number;
  /** Round trip of each step, and the whole exchange including the client's signing. */
  latency: Record<ExchangeStep | 'total', Percentiles>;
  /** CPU seconds of the whole hub process over the run's wall seconds (1.0 is one core); absent off Linux. */
  hubCpuShare?: number;
  /** CPU seconds of the hub's main thread, which runs every JavaScript handler, over the wall seconds. */
  hubMainThreadShare?: number;
  /**
   * Seconds the hub's main thread was ready to run but waited for a CPU, over the wall seconds.
   * When this share and `hubMainThreadShare` add up to about 1, the hub's event loop is saturated.
   */
  hubRunQueueShare?: number;
  /** CPU seconds of the load generator over the run's wall seconds. */
  loadGeneratorCpuShare: number;
  /** Hub exchanges on the log when the run ended, warm-up and earlier runs included. */
  exchangesOnLog: number;
}

export interface ExchangeResult {
  documentBytes: number;
  countries: readonly string[];
  secondsPerRun: number;
  warmUpSeconds: number;
  /** `ecert serve` arguments, with the data directory of the last hub. */
  hubCommand: string;
  runs: ExchangeRun[];
}

/** Leaves room for the unique header line that makes every document's SHA-256 new. */
const MIN_DOCUMENT_BYTES = 1024;

/** Every ordered pair of two different countries: 20 for five countries. */
const PAIRS: [BenchCountry, BenchCountry][] = BENCH_COUNTRIES.flatMap((from) =>
  BENCH_COUNTRIES.filter((to) => to !== from).map((to): [BenchCountry, BenchCountry] => [from, to]),
);

/** Runs the sweep: per batch interval, a new hub, the registrations, a warm-up, then each concurrency. */
export async function benchExchange(options: ExchangeBenchOptions = DEFAULT_EXCHANGE_OPTIONS): Promise<ExchangeResult> {
  if (!Number.isSafeInteger(options.documentBytes) || options.documentBytes < MIN_DOCUMENT_BYTES || options.documentBytes > DEFAULT_MAX_DOCUMENT_BYTES) {
    throw new RangeError(
      `document size ${options.documentBytes} bytes is invalid, expected ${MIN_DOCUMENT_BYTES}..${DEFAULT_MAX_DOCUMENT_BYTES}: ` +
        'each document starts with a unique header line, and ecert serve accepts at most 20 MiB',
    );
  }
  for (const concurrency of options.concurrencies) {
    if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > DEFAULT_MAX_CONCURRENT_UPLOADS) {
      throw new RangeError(
        `concurrency ${concurrency} is invalid, expected 1..${DEFAULT_MAX_CONCURRENT_UPLOADS}: ` +
          `ecert serve admits ${DEFAULT_MAX_CONCURRENT_UPLOADS} uploads at once and returns 503 busy to more`,
      );
    }
  }
  const runs: ExchangeRun[] = [];
  const filler = new Uint8Array(randomBytes(options.documentBytes));
  let hubCommand = '';
  for (const batchIntervalMs of options.batchIntervalsMs) {
    const hub = await startBenchHub(batchIntervalMs, options.hubNodeArgs);
    hubCommand = `node ${hub.args.join(' ')}`;
    try {
      const load = await prepareLoad(hub, batchIntervalMs, filler, options.documentBytes);
      const warmUpConcurrency = Math.max(...options.concurrencies);
      await load.run(warmUpConcurrency, options.warmUpSeconds);
      if (!Number.isSafeInteger(options.documentBytes) || options.documentBytes < MIN_DOCUMENT_BYTES || options.documentBytes > DEFAULT_MAX_DOCUMENT_BYTES) {
    throw new RangeError(
      `document size ${options.documentBytes} bytes is invalid, expected ${MIN_DOCUMENT_BYTES}..${DEFAULT_MAX_DOCUMENT_BYTES}: ` +
        'each document starts with a unique header line, and ecert serve accepts at most 20 MiB',
    );
  }
  for (const concurrency of options.concurrencies) {
        console.log(`exchange: batch interval ${batchIntervalMs} ms, ${concurrency} concurrent flows for ${options.secondsPerRun} s...`);
        runs.push(await load.measure(concurrency, options.secondsPerRun));
      }
    } finally {
      await hub.stop();
    }
  }
  return {
    documentBytes: options.documentBytes,
    countries: BENCH_COUNTRIES,
    secondsPerRun: options.secondsPerRun,
    warmUpSeconds: options.warmUpSeconds,
    hubCommand,
    runs,
  };
}

interface Load {
  /** Runs `concurrency` flows for `seconds` and returns every finished exchange's timings. */
  run(concurrency: number, seconds: number): Promise<{ timings: FlowTimings[]; seconds: number }>;
  measure(concurrency: number, seconds: number): Promise<ExchangeRun>;
}

/** Registers the participants on a new hub, waits until it accepts signatures, and returns its load. */
async function prepareLoad(hub: BenchHub, batchIntervalMs: number, filler: Uint8Array, documentBytes: number): Promise<Load> {
  await registerParticipants(hub.url, hub.dataDir);
  const keys = new Map(BENCH_COUNTRIES.map((country) => [country, readDevKey(hub.dataDir, `authority:${country}`)]));
  await waitForSignatures(hub.url, keys.get('UZ')!);
  let sent = 0;

  const run: Load['run'] = async (concurrency, seconds) => {
    const timings: FlowTimings[] = [];
    const start = performance.now();
    const deadline = start + seconds * 1000;
    const flow = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const number = sent++;
        const [from, to] = PAIRS[number % PAIRS.length]!;
        const parties: FlowParties = { baseUrl: hub.url, from, to, sender: keys.get(from)!, receiver: keys.get(to)! };
        const document = makeDocument(documentBytes, filler, `${batchIntervalMs}-${number}`);
        timings.push(await runExchangeFlow(parties, `bench-${batchIntervalMs}-${number}`, document));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, flow));
    return { timings, seconds: (performance.now() - start) / 1000 };
  };

  const measure: Load['measure'] = async (concurrency, seconds) => {
    const hubCpuBefore = processCpuSeconds(hub.pid);
    const hubThreadBefore = mainThreadSeconds(hub.pid);
    const ownCpuBefore = process.cpuUsage();
    const result = await run(concurrency, seconds);
    const hubCpuAfter = processCpuSeconds(hub.pid);
    const hubThreadAfter = mainThreadSeconds(hub.pid);
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const latency = Object.fromEntries(
      [...EXCHANGE_STEPS, 'total' as const].map((step) => [step, percentiles(result.timings.map((timing) => timing[step]))]),
    ) as ExchangeRun['latency'];
    return {
      batchIntervalMs,
      concurrency,
      exchanges: result.timings.length,
      seconds: result.seconds,
      perSecond: result.timings.length / result.seconds,
      latency,
      ...(hubCpuBefore === undefined || hubCpuAfter === undefined ? {} : { hubCpuShare: (hubCpuAfter - hubCpuBefore) / result.seconds }),
      ...(hubThreadBefore === undefined || hubThreadAfter === undefined
        ? {}
        : {
            hubMainThreadShare: (hubThreadAfter.running - hubThreadBefore.running) / result.seconds,
            hubRunQueueShare: (hubThreadAfter.waiting - hubThreadBefore.waiting) / result.seconds,
          }),
      loadGeneratorCpuShare: (ownCpu.user + ownCpu.system) / 1e6 / result.seconds,
      exchangesOnLog: sent,
    };
  };
  return { run, measure };
}

/** Median and 90th percentile by nearest rank. */
function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { p50Ms: Number.NaN, p90Ms: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number): number => sorted[Math.max(0, Math.ceil(sorted.length * share) - 1)]!;
  return { p50Ms: at(0.5), p90Ms: at(0.9) };
}

/** Clock ticks per second of /proc/<pid>/stat on Linux; `getconf CLK_TCK` is 100 on x64 and arm64. */
const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU seconds of a process from /proc/<pid>/stat, or undefined where there is no /proc. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces: utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Seconds the process's main thread ran on a CPU and waited on a run queue, from the first two
 * fields of /proc/<pid>/schedstat (nanoseconds), or undefined where the kernel does not provide it.
 */
function mainThreadSeconds(pid: number): { running: number; waiting: number } | undefined {
  try {
    const [running, waiting] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    if (!Number.isFinite(running) || !Number.isFinite(waiting)) return undefined;
    return { running: running! / 1e9, waiting: waiting! / 1e9 };
  } catch {
    return undefined;
  }
}

const milliseconds = (value: number): string => (value < 10 ? value.toFixed(1) : String(Math.round(value)));

export function exchangeRows(r: ExchangeResult): Row[] {
  const rows: Row[] = [];
  for (const run of r.runs) {
    const benchmark = `exchange, batch interval ${run.batchIntervalMs} ms`;
    const share = (value: number | undefined): string => (value === undefined ? 'n/a' : value.toFixed(2));
    const cpu =
      `hub CPU ${share(run.hubCpuShare)} (main thread ${share(run.hubMainThreadShare)}, run queue ${share(run.hubRunQueueShare)}), ` +
      `load generator CPU ${run.loadGeneratorCpuShare.toFixed(2)}`;
    rows.push({
      benchmark,
      measure: `${run.concurrency} flows: exchanges/s`,
      value: `${run.perSecond.toFixed(1)}/s (${run.exchanges} in ${run.seconds.toFixed(1)} s), ${cpu}`,
    });
    const steps = [...EXCHANGE_STEPS, 'total' as const]
      .map((step) => `${step} ${milliseconds(run.latency[step].p50Ms)}/${milliseconds(run.latency[step].p90Ms)}`)
      .join(', ');
    rows.push({ benchmark, measure: `${run.concurrency} flows: p50/p90 ms`, value: steps });
  }
  return rows;
}
