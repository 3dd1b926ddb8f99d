// `runa-batch template`: a ready-to-fill rewards CSV with every supported column and example rows
// using real product codes from this environment's catalog, so a first file starts from something valid.
import { writeFileSync } from "node:fs";
import type { Argv, CommandModule } from "yargs";
import { TEMPLATE_COLUMNS, templateRows, type Distribution } from "../catalog/template-rows.ts";
import { formatCsv } from "../csv/csv-format.ts";
import { EXIT, UsageError } from "../errors.ts";
import type { FlagsOf } from "./index.ts";
import { connectionOptions, openConnection, type Connection, type ConnectionArgs } from "./connection-options.ts";
import { catalogFor, parseDelimiter } from "./input-options.ts";

export interface TemplateArgs extends ConnectionArgs {
  currency?: string | undefined;
  distribution?: string | undefined;
  out: string;
  delimiter?: string | undefined;
  bom: boolean;
  refreshCatalog: boolean;
}

export interface TemplateDeps {
  write: (text: string) => void;
  openConnection: (argv: ConnectionArgs) => Promise<Connection>;
}

function templateFlags(yargs: Argv) {
  return connectionOptions(yargs).options({
    currency: {
      type: "string",
      describe: "Example products in this currency, e.g. USD (default: the one with the most products)",
    },
    distribution: {
      type: "string",
      choices: ["EMAIL", "PAYOUT_LINK"],
      describe: "How the example rows deliver (default: one of each)",
    },
    out: {
      type: "string",
      default: "rewards-template.csv",
      describe: "The file to write; an existing file is never overwritten",
    },
    delimiter: {
      type: "string",
      describe: 'Field delimiter: "," (default) or ";" for an Excel that uses semicolons',
    },
    bom: {
      type: "boolean",
      default: true,
      describe: "Start with a UTF-8 byte-order mark so Excel reads accents right (--no-bom to omit)",
    },
    "refresh-catalog": {
      type: "boolean",
      default: false,
      describe: "Fetch the catalog even if the cached copy is under an hour old",
    },
  });
}

export const templateCommand: CommandModule<object, FlagsOf<typeof templateFlags>> = {
  command: "template",
  describe: "Write a ready-to-fill rewards CSV with example rows using real product codes from the catalog",
  builder: templateFlags,
  handler: async (argv) => {
    process.exitCode = await runTemplate(argv, { write: (text) => process.stdout.write(text), openConnection });
  },
};

export async function runTemplate(argv: TemplateArgs, deps: TemplateDeps): Promise<number> {
  const currency = argv.currency?.trim().toUpperCase();
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency))
    throw new UsageError(`--currency must be a 3-letter code such as USD, got "${argv.currency}"`);
  const delimiter = parseDelimiter(argv.delimiter) ?? ",";
  const connection = await deps.openConnection(argv);
  let text: string;
  try {
    const template = templateRows(await catalogFor(connection, argv.refreshCatalog), {
      currency,
      distribution: argv.distribution as Distribution | undefined,
    });
    if (!template.ok) throw new UsageError(`no template written: ${template.reason}`);
    text = formatCsv([[...TEMPLATE_COLUMNS], ...template.rows], { delimiter, bom: argv.bom });
  } finally {
    await connection.close();
  }
  try {
    writeFileSync(argv.out, text, { flag: "wx" }); // "wx": never overwrite a file, nor write through a link
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      throw new UsageError(`${argv.out} already exists; pass --out with a new name, or move it away first`, "usage", {
        cause: error,
      });
    throw error;
  }
  deps.write(
    `Wrote ${argv.out}: the header and example rows with real product codes.\n` +
      "Replace the example rows (EXAMPLE-...) with your own, one row per reward; 'runa-batch catalog' lists every product.\n" +
      `Then: runa-batch validate ${argv.out}\n`,
  );
  return EXIT.OK;
}
