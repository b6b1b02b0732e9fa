/**
 * Entry point of `npm run bench`: runs the ledger benchmarks in one process (the tree builds each
 * in a child of their own) and the PDF verification benchmark, prints a table and writes every
 * number as JSON.
 *   npm run bench -- [--only sequencer,proofs,build,pdf,exchange] [--size N] [--out FILE]
 */
import { writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { benchBuild, type BuildResult } from './build-bench.js';
import { entryLengths, makeEntryPool } from './entries.js';
import { benchExchange, exchangeRows, type ExchangeResult } from './exchange-bench.js';
import { describeMachine } from './machine.js';
import { benchPdfVerify, pdfVerifyRows, type PdfVerifyResult } from './pdf-verify-bench.js';
import { benchProofs, type ProofResult } from './proof-bench.js';
import { buildRows, formatTable, proofRows, sequencerRows, type Row } from './report.js';
import { benchSequencer, type SequencerResult } from './sequencer-bench.js';

const BENCHMARKS = ['sequencer', 'proofs', 'build', 'pdf', 'exchange'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const DEFAULT_SIZE = 1_000_000;
// Bounds the run: merkletreejs needs about 0.8 GB per million leaves (measured at 1M), so 16M is ~13 GB.
const MAX_SIZE = 16_000_000;
/** Distinct entries the benchmarks cycle through, so LevelDB stores varied bundles. */
const ENTRY_POOL_SIZE = 8192;

interface Results {
  startedAt: string;
  command: string;
  size: number;
  machine: ReturnType<typeof describeMachine>;
  entryBytes: ReturnType<typeof entryLengths>;
  sequencer?: SequencerResult;
  proofs?: ProofResult;
  build?: BuildResult;
  pdf?: PdfVerifyResult;
  exchange?: ExchangeResult;
  loadAverageAtEnd?: number[];
}

function parseSize(text: string): number {
  const size = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_SIZE) {
    throw new InvalidArgumentError(`size ${JSON.stringify(text)} is invalid, expected an integer in 1..${MAX_SIZE}`);
  }
  return size;
}

function parseOnly(text: string): Benchmark[] {
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!BENCHMARKS.includes(name as Benchmark)) {
      throw new InvalidArgumentError(`unknown benchmark ${JSON.stringify(name)}, expected one of ${BENCHMARKS.join(', ')}`);
    }
  }
  return names as Benchmark[];
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .description(
      'Benchmark the ledger: sequencer appends, inclusion proofs, tree builds against merkletreejs, and PDF verification against pdfsig.',
    )
    .option('--only <names>', `comma-separated benchmarks to run (${BENCHMARKS.join(', ')})`, parseOnly, [...BENCHMARKS])
    .option('--size <entries>', 'entries in each log or tree (the pdf benchmark ignores it)', parseSize, DEFAULT_SIZE)
    .option('--out <file>', 'JSON results file (default: a new file in the OS temporary directory)')
    .parse();
  const options = program.opts<{ only: Benchmark[]; size: number; out?: string }>();
  const only = new Set(options.only);

  const pool = makeEntryPool(ENTRY_POOL_SIZE);
  const results: Results = {
    startedAt: new Date().toISOString(),
    command: `node ${process.execArgv.join(' ')} ${process.argv.slice(1).join(' ')}`.replace(/\s+/g, ' '),
    size: options.size,
    machine: describeMachine(),
    entryBytes: entryLengths(pool),
  };
  const rows: Row[] = [];
  const machine = results.machine;
  console.log(
    `${machine.cpus} CPUs (${machine.cpuModel}), ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB, ` +
      `Node ${machine.node}, load ${machine.loadAverage.join(' ')}; entries ${results.entryBytes.min}..${results.entryBytes.max} bytes ` +
      `(mean ${results.entryBytes.mean})`,
  );

  if (only.has('sequencer')) {
    console.log(`sequencer: appending ${options.size} entries three ways...`);
    results.sequencer = await benchSequencer(options.size, pool);
    rows.push(...sequencerRows(results.sequencer));
  }
  if (only.has('proofs')) {
    console.log(`proofs: building a LevelDB log of ${options.size} entries...`);
    results.proofs = await benchProofs(options.size, pool);
    rows.push(...proofRows(results.proofs));
  }
  if (only.has('build')) {
    console.log(`build: ${options.size} leaves per contender, each in its own process...`);
    results.build = await benchBuild(options.size);
    rows.push(...buildRows(results.build));
  }
  if (only.has('pdf')) {
    console.log('pdf: signing a 150 KB and a 5 MB document with RSA-2048 and ECDSA P-256 keys...');
    results.pdf = await benchPdfVerify();
    rows.push(...pdfVerifyRows(results.pdf));
  }
  if (only.has('exchange')) {
    console.log('exchange: 200 KB exchanges over HTTP against `ecert serve` in a child process, at two batch intervals...');
    results.exchange = await benchExchange();
    rows.push(...exchangeRows(results.exchange));
  }

  results.loadAverageAtEnd = os.loadavg().map((load) => Math.round(load * 100) / 100);
  console.log(`\n${formatTable(rows)}\n`);
  const out = options.out ?? path.join(tmpdir(), `ecert-bench-${results.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`results written to ${out}`);
}

await main();
