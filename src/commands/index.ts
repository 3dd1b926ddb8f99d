import type { Argv, CommandModule } from "yargs";

/**
 * The flags a command's builder declares, as yargs infers them from the options (kebab-case keys;
 * the handler gets them camel-cased too): a command typed with them needs no cast to its own type.
 */
export type FlagsOf<Builder extends (yargs: Argv) => Argv<unknown>> =
  ReturnType<Builder> extends Argv<infer Flags> ? Flags : never;

/**
 * The CLI's commands. Each module is loaded only when its command runs, so `--help` and `validate`
 * start without the modules `run` needs; the list itself holds what the top-level help shows.
 */
export interface CommandEntry {
  command: string;
  describe: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own argument type; yargs takes them as one list
  load: () => Promise<CommandModule<any, any>>;
}

/** The word that names a command on the command line: "run" for "run <input>". */
export function commandName(entry: Pick<CommandEntry, "command">): string {
  return entry.command.split(" ")[0]!;
}

export const commands: CommandEntry[] = [
  {
    command: "run <input>",
    describe: "Validate a rewards CSV, order every row once at the rate limit, and write the results CSV",
    load: async () => (await import("./run.ts")).runCommand,
  },
  {
    command: "validate <input>",
    describe:
      "Check a rewards CSV against the input rules and the catalog, and show what it would cost; orders nothing",
    load: async () => (await import("./validate.ts")).validateCommand,
  },
  {
    command: "status <target>",
    describe: "Show what a batch's journal knows and what a re-run would do (sends nothing)",
    load: async () => (await import("./status.ts")).statusCommand,
  },
  {
    command: "reconcile",
    describe:
      "Match Runa's orders (GET /order) against every local journal: unknown orders, missing orders, totals per batch; sends nothing",
    load: async () => (await import("./reconcile.ts")).reconcileCommand,
  },
  {
    command: "catalog",
    describe: "List the products in Runa's catalog: code, name, currency, amounts, orderable",
    load: async () => (await import("./catalog.ts")).catalogCommand,
  },
  {
    command: "template",
    describe: "Write a ready-to-fill rewards CSV with example rows using real product codes from the catalog",
    load: async () => (await import("./template.ts")).templateCommand,
  },
  {
    command: "simulator",
    describe: "Run a local Runa API simulator (simulated orders and payout links, no real money)",
    load: async () => (await import("./simulator.ts")).simulatorCommand,
  },
];
