import type { Command } from 'commander';

import type { SignOptions } from './sign-run.js';

export function registerSign(program: Command): void {
  program
    .command('sign')
    .summary('sign a PDF with a PAdES-BASELINE-B signature')
    .description(
      'Signs IN with the CAB key in --key and certificate in --cert and writes the result to OUT. ' +
        'The signature (ETSI.CAdES.detached) is added as an incremental update, so IN stays an exact ' +
        'prefix of OUT and earlier signatures stay valid. Prints the SHA-256 of OUT, the hash that ' +
        'document.register records. IN is never changed; an existing OUT needs --force.',
    )
    .argument('<in>', 'the PDF to sign')
    .argument('<out>', 'where to write the signed PDF')
    .requiredOption('--key <file>', 'the signer private key, PKCS#8 PEM (RSA of 2048+ bits, EC P-256/P-384, Ed25519)')
    .requiredOption('--cert <file>', 'the signer certificate, PEM or DER')
    .option('--chain <file>', 'a CA certificate file (PEM, may hold several) to embed; repeatable', collect, [])
    .option('--reason <text>', 'the /Reason of the signature, e.g. "Issued"')
    .option('--location <text>', 'the /Location of the signature')
    .option('--name <text>', "the /Name of the signature, the signer's name")
    .option('--rsa-pss', 'sign RSA keys with RSA-PSS instead of PKCS#1 v1.5')
    .option('--force', 'overwrite OUT if it exists')
    .action(async (input: string, output: string, options: SignOptions) => {
      const { runSign } = await import('./sign-run.js');
      await runSign(input, output, options);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
