import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { PdfError } from '../../pdf/errors.js';
import { DEFAULT_PDF_LIMITS } from '../../pdf/limits.js';
import { signPdf } from '../../pdf/sign.js';
import { PdfSignError } from '../../pdf/sign-errors.js';
import { CliError, UsageError } from '../errors.js';
import { readFlagFile } from '../key-files.js';

export interface SignOptions {
  key: string;
  cert: string;
  chain: string[];
  reason?: string;
  location?: string;
  name?: string;
  rsaPss?: boolean;
  force?: boolean;
}

export async function runSign(input: string, output: string, options: SignOptions): Promise<void> {
  checkOutputPath(input, output, options.force === true);
  const pdf = readInputPdf(input);
  const privateKey = readFlagFile(options.key, '--key');
  const certificate = readBinaryFile(options.cert, '--cert');
  const chain = options.chain.map((file) => readBinaryFile(file, '--chain'));

  let signed: Uint8Array;
  try {
    signed = await signPdf(pdf, {
      privateKey,
      certificate,
      chain,
      reason: options.reason,
      location: options.location,
      name: options.name,
      rsaPss: options.rsaPss,
    });
  } catch (error) {
    throw translateError(error, input, options);
  }

  writeOutput(output, signed, options.force === true);
  process.stdout.write(`${createHash('sha256').update(signed).digest('hex')}\n`);
  process.stderr.write(`signed ${input} into ${output} (${signed.length} bytes)\n`);
}

/** Rejects an OUT that is IN itself or, without --force, any existing file. */
function checkOutputPath(input: string, output: string, force: boolean): void {
  const existing = statOrUndefined(output);
  if (existing === undefined) {
    if (resolve(input) === resolve(output)) throw new UsageError(`OUT ${output} is the input file; give another OUT`);
    return;
  }
  const source = statOrUndefined(input);
  if (resolve(input) === resolve(output) || (source && source.dev === existing.dev && source.ino === existing.ino)) {
    throw new UsageError(`OUT ${output} is the input file ${input}; sign into another file, IN is never overwritten`);
  }
  if (!force) throw new UsageError(`OUT ${output} exists; choose another OUT or pass --force to overwrite it`);
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function readInputPdf(path: string): Uint8Array {
  const stat = statOrUndefined(path);
  if (stat === undefined || !stat.isFile()) throw new UsageError(`cannot read IN ${path}: not found or not a file`);
  if (stat.size > DEFAULT_PDF_LIMITS.maxFileSize) {
    throw new UsageError(`IN ${path} has ${stat.size} bytes, more than the ${DEFAULT_PDF_LIMITS.maxFileSize} a signed PDF may have`);
  }
  return readBinaryFile(path, 'IN');
}

function readBinaryFile(path: string, flag: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`cannot read ${flag} file ${path}: ${reason}`, { cause: error });
  }
}

/** Names the file behind a signer error and how to fix it. */
function translateError(error: unknown, input: string, options: SignOptions): unknown {
  if (error instanceof PdfError) {
    return new CliError(`the signed output of ${input} does not read back (${error.code}): ${error.message}`, 1, { cause: error });
  }
  if (!(error instanceof PdfSignError)) return error;
  const detail = `${error.message} (${error.code})`;
  switch (error.code) {
    case 'invalid_key':
      return new UsageError(
        `--key file ${options.key}: ${detail}; convert it with \`openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8.pem\``,
        { cause: error },
      );
    case 'unsupported_key':
      return new UsageError(`--key file ${options.key}: ${detail}`, { cause: error });
    case 'invalid_certificate':
      return new UsageError(`--cert ${options.cert} or --chain ${options.chain.join(', ') || '(none)'}: ${detail}`, { cause: error });
    case 'key_certificate_mismatch':
      return new UsageError(`--key ${options.key} and --cert ${options.cert} do not belong together: ${detail}`, { cause: error });
    case 'invalid_pdf':
    case 'encrypted_pdf':
    case 'changes_not_permitted':
      return new UsageError(`IN ${input}: ${detail}`, { cause: error });
    case 'invalid_option':
      return new UsageError(detail, { cause: error });
    default:
      return new CliError(`signing ${input} failed: ${detail}`, 1, { cause: error });
  }
}

/**
 * Writes OUT. Without --force the file is created exclusively, so a file that
 * appears meanwhile is not overwritten. With --force a temporary file is
 * renamed over OUT, so OUT is never left half written.
 */
function writeOutput(output: string, bytes: Uint8Array, force: boolean): void {
  if (!force) {
    let fd: number;
    try {
      fd = openSync(output, 'wx');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new UsageError(`OUT ${output} exists; choose another OUT or pass --force to overwrite it`);
      throw new UsageError(`cannot write OUT ${output}: ${code ?? String(error)}`, { cause: error });
    }
    try {
      writeSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const temporary = join(dirname(output), `.${process.pid}.${Date.now()}.ecert-sign.tmp`);
  try {
    writeFileSync(temporary, bytes, { flag: 'wx' });
    renameSync(temporary, output);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // The temporary file was never created or is already renamed.
    }
    throw new UsageError(`cannot write OUT ${output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}
