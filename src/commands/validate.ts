// `runa-batch validate <input.csv>`: checks every row against the input rules and the live catalog,
// prints each problem with its row, line and column, writes an error CSV when the file is invalid,
// and shows what the valid rows would cost per currency against the account balance. Never orders.
// Exit code: 0 valid, 2 invalid (main.ts maps thrown errors: 1 usage, 2 unreadable file).
import { existsSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { removeStaleErrorCsv, writeErrorCsv } from "../input/error-csv.ts";
import { validateInput } from "../input/validation-report.ts";
import { checkBalances, formatBalances } from "../report/balance-check.ts";
import { formatReport } from "../report/format-validation.ts";
import { EXIT, UsageError } from "../errors.ts";
import { preflight } from "../batch/preflight.ts";
import { isProduction } from "../report/production-guard.ts";
import { pacedEvery, priceExactly } from "../batch/price-estimates.ts";
import { DEFAULT_OUTPUT_DIRECTORY, DEFAULT_REPEAT_WINDOW_DAYS, ORDERS_PER_MINUTE } from "../config.ts";
import type { FlagsOf } from "./index.ts";
import { connectionOptions, openConnection, type Connection, type ConnectionArgs } from "./connection-options.ts";
import { catalogFor, parseDelimiter } from "./input-options.ts";

export interface ValidateArgs extends ConnectionArgs {
  input: string;
  delimiter?: string | undefined;
  sheet?: string | undefined;
  allowDuplicates: boolean;
  refreshCatalog: boolean;
  errorsOut?: string | undefined;
  bom: boolean;
  batchId?: string | undefined;
  repeatWindow?: number | undefined;
}

export interface ValidateDeps {
  write: (text: string) => void;
  openConnection: (argv: ConnectionArgs) => Promise<Connection>;
}

function validateFlags(yargs: Argv) {
  return connectionOptions(yargs)
    .positional("input", { type: "string", demandOption: true, describe: "The rewards CSV" })
    .options({
      delimiter: { type: "string", describe: "Field delimiter (default: detected from the header: , ; or tab)" },
      sheet: { type: "string", describe: "For an .xlsx workbook: the sheet to read (default: the first)" },
      "allow-duplicates": {
        type: "boolean",
        default: false,
        describe: "Accept identical rows (each is then ordered once)",
      },
      "refresh-catalog": {
        type: "boolean",
        default: false,
        describe: "Fetch the product catalog even if the cached copy is under an hour old",
      },
      bom: {
        type: "boolean",
        default: true,
        describe:
          "Start the error CSV with a UTF-8 byte-order mark, so Excel shows accents and currency signs right (--no-bom to omit)",
      },
      "errors-out": {
        type: "string",
        describe: "Where to write the invalid rows with their errors (default output/<input name>.errors.csv)",
      },
      "batch-id": {
        type: "string",
        describe:
          "Also check the file as this batch would be run: another period's file, rows paid by other batches, edited paid rows (default: RUNA_BATCH_ID, else the file's name)",
      },
      "repeat-window": {
        type: "number",
        defaultDescription: `${DEFAULT_REPEAT_WINDOW_DAYS} (or RUNA_REPEAT_WINDOW)`,
        describe: "As given to run",
      },
    });
}

export const validateCommand: CommandModule<object, FlagsOf<typeof validateFlags>> = {
  command: "validate <input>",
  builder: validateFlags,
  handler: async (argv) => {
    process.exitCode = await runValidate(argv, { write: (text) => process.stdout.write(text), openConnection });
  },
};

export async function runValidate(argv: ValidateArgs, deps: ValidateDeps): Promise<number> {
  const file = argv.input;
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  const delimiter = parseDelimiter(argv.delimiter);
  const errorsOut = argv.errorsOut ?? join(DEFAULT_OUTPUT_DIRECTORY, `${basename(file, extname(file))}.errors.csv`);
  const connection = await deps.openConnection(argv);
  try {
    const catalog = await catalogFor(connection, argv.refreshCatalog);
    const options = { catalog, allowDuplicates: argv.allowDuplicates, delimiter, sheet: argv.sheet };
    const report = await validateInput(file, options);
    // Product choices priced by Runa itself, at the default order rate (validate has no --rate).
    const priced = await priceExactly(
      report.costs,
      report.choices,
      pacedEvery(Math.ceil(60_000 / ORDERS_PER_MINUTE), (body) => connection.client.estimateOrder(body)),
    );
    report.costs = priced.costs;
    if (priced.note) report.pricingNote = priced.note;
    deps.write(formatReport(report));
    if (report.invalid > 0) {
      const written = await writeErrorCsv(file, options, errorsOut, argv.bom);
      deps.write(`\nThe ${written} invalid row${written === 1 ? "" : "s"} with their errors: ${errorsOut}\n`);
    }
    if (report.costs.length > 0)
      deps.write(`\n${formatBalances(await checkBalances(connection.client, report.costs), !isProduction(argv))}`);
    if (report.invalid > 0) {
      deps.write(`\n${file} is not valid: nothing can be ordered until every row is fixed.\n`);
      return EXIT.INVALID_INPUT;
    }
    if (removeStaleErrorCsv(errorsOut))
      deps.write(`\nRemoved ${errorsOut}: it listed problems of an earlier version of the file.\n`);
    // The rows are fine; would a run of them as this batch be? (A rehearsal keeps no state to check against.)
    const batchId = argv.batchId ?? basename(file, extname(file));
    const found = connection.simulated
      ? undefined
      : await preflight({
          file,
          input: options,
          batchId,
          stateDirectory: connection.stateDirectory(),
          legacyDirectory: DEFAULT_OUTPUT_DIRECTORY,
          repeatWindowMs: (argv.repeatWindow ?? DEFAULT_REPEAT_WINDOW_DAYS) * 24 * 60 * 60_000,
          production: isProduction(argv),
        });
    if (found && found.refusals.length > 0) {
      deps.write(
        `\n${file} is valid, but a run of it as batch "${batchId}" would REFUSE before sending anything:\n${found.refusals.map((refusal) => `  ! ${refusal}\n`).join("")}`,
      );
      return EXIT.USAGE;
    }
    deps.write(
      `\n${file} is valid: ${report.valid} row${report.valid === 1 ? "" : "s"} ready to order${found ? ` as batch "${batchId}"` : ""}.\n`,
    );
    return EXIT.OK;
  } finally {
    await connection.close();
  }
}
