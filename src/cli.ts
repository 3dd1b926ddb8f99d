// yargs wiring: one command module per file in commands/. Handlers set process.exitCode; failures
// are thrown as BatchError and mapped to exit codes by main.ts.
import yargs, { type Argv } from "yargs";
import { UsageError } from "./errors.ts";
import { commands } from "./commands/index.ts";

export function buildCli(args: string[]): Argv {
  let cli = yargs(args)
    .scriptName("runa-batch")
    .usage("$0 <command> [options]\n\nTurn a CSV of rewards into Runa orders, safely, at the API's rate limit.")
    .strict()
    .demandCommand(1, "Name a command: run, validate, status, catalog or simulator")
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(message);
    });
  for (const command of commands) cli = cli.command(command);
  return cli;
}
