// yargs wiring: one command module per file in commands/. Handlers set process.exitCode; failures
// are thrown as BatchError and mapped to exit codes by main.ts.
import yargs, { type Argv } from "yargs";
import { UsageError } from "./errors.ts";
import { commandName, commands } from "./commands/index.ts";
import { packageVersion } from "./package-version.ts";

export async function buildCli(args: string[]): Promise<Argv> {
  const names = commands.map(commandName);
  // No arguments at all: someone trying the tool. Show them the help rather than an error.
  let cli = yargs(args.length === 0 ? ["--help"] : args)
    .scriptName("runa-batch")
    .usage("$0 <command> [options]\n\nTurn a CSV of rewards into Runa orders, safely, at the API's rate limit.")
    .strict()
    .demandCommand(1, `Name a command: ${names.slice(0, -1).join(", ")} or ${names.at(-1)}`)
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version(packageVersion())
    .completion("completion", "Print a bash/zsh completion script: runa-batch completion >> ~/.bashrc")
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(message);
    });
  for (const { load, ...entry } of commands) {
    // A command named anywhere in the arguments is loaded whole; the others only show in --help.
    const named = args.includes(commandName(entry));
    cli = named ? cli.command({ ...(await load()), ...entry }) : cli.command(entry.command, entry.describe);
  }
  return cli;
}
