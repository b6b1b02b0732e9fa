import { Command } from 'commander';

import { registerAck } from './commands/ack.js';
import { registerCheckpoint } from './commands/checkpoint.js';
import { registerException } from './commands/exception.js';
import { registerFetch } from './commands/fetch.js';
import { registerFsck } from './commands/fsck.js';
import { registerHistory } from './commands/history.js';
import { registerInbox } from './commands/inbox.js';
import { registerInit } from './commands/init.js';
import { registerKeygen } from './commands/keygen.js';
import { registerKpi } from './commands/kpi.js';
import { registerMonitor } from './commands/monitor.js';
import { registerPilot } from './commands/pilot.js';
import { registerProof } from './commands/proof.js';
import { registerReceipt } from './commands/receipt.js';
import { registerSchemas } from './commands/schemas.js';
import { registerSend } from './commands/send.js';
import { registerServe } from './commands/serve.js';
import { registerSign } from './commands/sign.js';
import { registerSubmit } from './commands/submit.js';
import { registerVerify } from './commands/verify.js';
import { registerVerifyReceipt } from './commands/verify-receipt.js';
import { registerWitness } from './commands/witness.js';

/**
 * Builds the `ecert` command with every subcommand. Each cli/commands/<name>.ts registers only
 * the flags and help, and its action imports <name>-run.js on use. Heavy libraries such as
 * fastify, level, pkijs and pdf-lib therefore load only for the command that runs, and
 * `--version` or `--help` loads none of them. test/cli/startup.test.ts checks this.
 */
export function buildProgram(): Command {
  const program = new Command('ecert')
    .description('ecert-ledger: the verifiable ledger of a conformity-certificate exchange hub')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureHelp({ sortSubcommands: true });
  registerServe(program);
  registerInit(program);
  registerKeygen(program);
  registerSubmit(program);
  registerProof(program);
  registerCheckpoint(program);
  registerVerifyReceipt(program);
  registerVerify(program);
  registerReceipt(program);
  registerHistory(program);
  registerKpi(program);
  registerFsck(program);
  registerSchemas(program);
  registerPilot(program);
  registerSign(program);
  registerWitness(program);
  registerMonitor(program);
  registerSend(program);
  registerInbox(program);
  registerFetch(program);
  registerAck(program);
  registerException(program);
  // Subcommands inherit exitOverride only when set on each; usage errors then exit 2.
  for (const command of program.commands) command.exitOverride();
  return program;
}
