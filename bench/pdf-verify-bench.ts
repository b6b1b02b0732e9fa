/**
 * Benchmark 4: PDF signature verification. It times `validatePdfSignatures` in-process on signed
 * files of about 150 KB and 5 MB. Then it times the whole `ecert verify FILE --json` process
 * against poppler's `pdfsig FILE` on the same files, alternating their runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { KeyAlgorithm } from '../cli/pilot/pki.js';
import { validatePdfSignatures } from '../pdf/validate.js';
import { makeSignedPdfs, type SignedPdf } from './pdf-fixtures.js';
import { runProcess, summarizeRuns, type ProcessTiming } from './process-timing.js';
import type { Row } from './report.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const VALIDATOR_URL = new URL('../pdf/validate.js', import.meta.url).href;
const VALIDATE_CHILD = fileURLToPath(new URL('./pdf-validate-child.js', import.meta.url));
/** Untimed validations before the timed ones, so V8 has compiled the validator. */
const WARM_UP_ITERATIONS = 5;
/** The timed loop stops after this many seconds once it has MIN_ITERATIONS. */
const TIME_BUDGET_SECONDS = 3;
const MIN_ITERATIONS = 20;
const MAX_ITERATIONS = 10_000;
/** Timed runs of each process per file. One untimed run before them warms the page cache. */
const PROCESS_RUNS = 10;
/** Line pdfsig 22.12 prints for each signature whose CMS verifies. */
const PDFSIG_VALID = 'Signature is Valid.';

export interface InProcessRun {
  iterations: number;
  meanMs: number;
  p90Ms: number;
  perSecond: number;
}

export interface PdfFileResult {
  size: string;
  keyAlgorithm: KeyAlgorithm;
  bytes: number;
  pages: number;
  inProcess: InProcessRun;
  ecertVerify: ProcessTiming;
  /** A node process that imports only the validator and validates the file (pdf-validate-child.ts). */
  validatorOnly: ProcessTiming;
  pdfsig?: ProcessTiming;
  /** ecert verify's median over pdfsig's median: above 1 means ecert verify is slower. */
  ratio?: number;
}

export interface PdfVerifyResult {
  files: PdfFileResult[];
  /** `node -e ''`: the start-up of node alone. */
  nodeStartup: ProcessTiming;
  /** node importing only pdf/validate.js and its dependencies: the floor for a verifier process in Node. */
  validatorStartup: ProcessTiming;
  /** `ecert --version`: node plus loading every module the CLI imports, with no validation. */
  cliStartup: ProcessTiming;
  /** The first line of `pdfsig -v`, or undefined when pdfsig is not installed. */
  pdfsigVersion?: string;
}

/** Makes the signed files in a new temporary directory, times them and removes the directory. */
export async function benchPdfVerify(): Promise<PdfVerifyResult> {
  const directory = await mkdtemp(path.join(tmpdir(), 'ecert-bench-pdf-'));
  try {
    const files = await makeSignedPdfs(directory);
    const pdfsigVersion = await findPdfsig();
    if (pdfsigVersion === undefined) console.log('pdf: pdfsig not found (apt-get install poppler-utils), so only ecert verify is timed');

    const results: PdfFileResult[] = [];
    for (const file of files) {
      console.log(`pdf: ${file.size.label} ${file.keyAlgorithm}, ${file.bytes.length} bytes...`);
      const inProcess = timeValidation(file);
      const processes = await timeProcesses(file, pdfsigVersion !== undefined);
      results.push({
        size: file.size.label,
        keyAlgorithm: file.keyAlgorithm,
        bytes: file.bytes.length,
        pages: file.pages,
        inProcess,
        ...processes,
      });
    }
    const nodeStartup = await timeCommand(process.execPath, ['-e', '']);
    const validatorStartup = await timeCommand(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(VALIDATOR_URL)});`]);
    const cliStartup = await timeCommand(process.execPath, [CLI, '--version']);
    return { files: results, nodeStartup, validatorStartup, cliStartup, pdfsigVersion };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Times validatePdfSignatures on the file's bytes and checks that every call returns PASSED. */
function timeValidation(file: SignedPdf): InProcessRun {
  for (let i = 0; i < WARM_UP_ITERATIONS; i++) expectPassed(file);
  const times: number[] = [];
  const budgetEnd = performance.now() + TIME_BUDGET_SECONDS * 1000;
  while (times.length < MAX_ITERATIONS && (times.length < MIN_ITERATIONS || performance.now() < budgetEnd)) {
    const start = performance.now();
    expectPassed(file);
    times.push(performance.now() - start);
  }
  const meanMs = times.reduce((sum, time) => sum + time, 0) / times.length;
  const sorted = times.sort((a, b) => a - b);
  const p90Ms = sorted[Math.ceil(sorted.length * 0.9) - 1]!;
  return { iterations: times.length, meanMs, p90Ms, perSecond: 1000 / meanMs };
}

function expectPassed(file: SignedPdf): void {
  const report = validatePdfSignatures(file.bytes);
  if (report.indication !== 'PASSED') {
    throw new Error(`validatePdfSignatures returned ${report.indication} for ${file.file}: ${report.message}`);
  }
}

/** Times `ecert verify` and, when present, pdfsig on the file, alternating so both see the same load. */
async function timeProcesses(
  file: SignedPdf,
  withPdfsig: boolean,
): Promise<Pick<PdfFileResult, 'ecertVerify' | 'validatorOnly' | 'pdfsig' | 'ratio'>> {
  const ours: number[] = [];
  const lean: number[] = [];
  const theirs: number[] = [];
  for (let run = 0; run <= PROCESS_RUNS; run++) {
    const verify = await runEcertVerify(file.file);
    const validator = await runValidateChild(file.file);
    const pdfsig = withPdfsig ? await runPdfsig(file.file) : undefined;
    // Run 0 warms the page cache and the module files, and is not counted.
    if (run === 0) continue;
    ours.push(verify);
    lean.push(validator);
    if (pdfsig !== undefined) theirs.push(pdfsig);
  }
  const ecertVerify = summarizeRuns(ours);
  const validatorOnly = summarizeRuns(lean);
  if (!withPdfsig) return { ecertVerify, validatorOnly };
  const pdfsig = summarizeRuns(theirs);
  return { ecertVerify, validatorOnly, pdfsig, ratio: ecertVerify.medianMs / pdfsig.medianMs };
}

/**
 * Runs `ecert verify FILE --json` and returns its wall time. With no hub only the signature
 * check is decided, so the overall result is INDETERMINATE (exit 3) and the signature check
 * must be PASSED.
 */
async function runEcertVerify(file: string): Promise<number> {
  const run = await runProcess(process.execPath, [CLI, 'verify', file, '--json']);
  let indication: unknown;
  try {
    const report = JSON.parse(run.stdout) as { checks?: { id?: string; indication?: string }[] };
    indication = report.checks?.find((check) => check.id === 'signature')?.indication;
  } catch {
    indication = undefined;
  }
  if (indication !== 'PASSED') {
    throw new Error(`ecert verify ${file} exited ${run.exitCode} without a PASSED signature check: ${run.stderr || run.stdout.slice(0, 500)}`);
  }
  return run.milliseconds;
}

async function runValidateChild(file: string): Promise<number> {
  const run = await runProcess(process.execPath, [VALIDATE_CHILD, file]);
  if (run.exitCode !== 0 || run.stdout.trim() !== 'PASSED') {
    throw new Error(`pdf-validate-child ${file} exited ${run.exitCode} with ${JSON.stringify(run.stdout.trim())}, expected PASSED: ${run.stderr}`);
  }
  return run.milliseconds;
}

/** Runs `pdfsig FILE` and returns its wall time after checking that it found the one signature valid. */
async function runPdfsig(file: string): Promise<number> {
  const run = await runProcess('pdfsig', [file]);
  const valid = run.stdout.split('\n').filter((line) => line.includes(PDFSIG_VALID)).length;
  if (run.exitCode !== 0 || valid !== 1) {
    throw new Error(`pdfsig ${file} exited ${run.exitCode} with ${valid} valid signatures, expected 1: ${run.stderr || run.stdout.slice(0, 500)}`);
  }
  return run.milliseconds;
}

async function timeCommand(command: string, args: readonly string[]): Promise<ProcessTiming> {
  const times: number[] = [];
  for (let run = 0; run <= PROCESS_RUNS; run++) {
    const result = await runProcess(command, args);
    if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`);
    if (run > 0) times.push(result.milliseconds);
  }
  return summarizeRuns(times);
}

/** Returns the first line of `pdfsig -v`, or undefined when pdfsig is not on the PATH. */
async function findPdfsig(): Promise<string | undefined> {
  try {
    const run = await runProcess('pdfsig', ['-v']);
    return (run.stderr || run.stdout).split('\n')[0]?.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const milliseconds = (ms: number): string => `${ms.toFixed(1)} ms`;

export function pdfVerifyRows(r: PdfVerifyResult): Row[] {
  const rows: Row[] = [];
  for (const file of r.files) {
    const name = `pdf verify ${file.size} ${file.keyAlgorithm} (${file.bytes.toLocaleString('en-US')} bytes)`;
    const inProcess = file.inProcess;
    rows.push({
      benchmark: name,
      measure: 'validatePdfSignatures in-process',
      value: `${inProcess.perSecond.toFixed(1)}/s, mean ${milliseconds(inProcess.meanMs)}, p90 ${milliseconds(inProcess.p90Ms)}`,
    });
    rows.push({ benchmark: name, measure: 'ecert verify --json process', value: processValue(file.ecertVerify) });
    rows.push({ benchmark: name, measure: 'node process, validator only', value: processValue(file.validatorOnly) });
    if (file.pdfsig === undefined || file.ratio === undefined) {
      rows.push({ benchmark: name, measure: 'pdfsig process', value: 'skipped: pdfsig not installed' });
      continue;
    }
    rows.push({ benchmark: name, measure: 'pdfsig process', value: processValue(file.pdfsig) });
    const targeted = file.size === '5 MB';
    rows.push({
      benchmark: name,
      measure: 'ecert verify / pdfsig (medians)',
      value: `${file.ratio.toFixed(2)}x`,
      target: targeted ? '<= 1.00x' : undefined,
      met: targeted ? file.ratio <= 1 : undefined,
    });
  }
  rows.push({ benchmark: 'process start-up', measure: "node -e ''", value: processValue(r.nodeStartup) });
  rows.push({ benchmark: 'process start-up', measure: 'node importing pdf/validate.js', value: processValue(r.validatorStartup) });
  rows.push({ benchmark: 'process start-up', measure: 'ecert --version', value: processValue(r.cliStartup) });
  return rows;
}

function processValue(timing: ProcessTiming): string {
  return `median ${milliseconds(timing.medianMs)}, min ${milliseconds(timing.minMs)} (${timing.runs} runs)`;
}
