/**
 * Child process of the PDF verification benchmark: reads one PDF, runs only
 * validatePdfSignatures and prints the indication. It shows how fast a Node process can be that
 * loads nothing but the validator, next to the whole `ecert verify`.
 *   node dist/bench/pdf-validate-child.js FILE.pdf
 */
import { readFileSync } from 'node:fs';
import { validatePdfSignatures } from '../pdf/validate.js';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: pdf-validate-child.js FILE.pdf\n');
  process.exit(2);
}
const report = validatePdfSignatures(new Uint8Array(readFileSync(file)));
process.stdout.write(`${report.indication}\n`);
