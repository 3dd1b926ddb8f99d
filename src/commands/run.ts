// `runa-batch run <input.csv>`: validate the whole file, then order every row once, at the rate
// limit, and write the results. Exit 0 all COMPLETED, 2 invalid file, 3 some rows not COMPLETED.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, extname, join } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { openOrderBudget, type OrderBudget } from "../batch/limiters.ts";
import { runBatch } from "../batch/run-batch.ts";
import { RESULTS_FORMATS, resultsWriter, type ResultsFormat } from "../batch/results-writer.ts";
import { parseRowList } from "../batch/rekey.ts";
import { priceExactly } from "../batch/price-estimates.ts";
import {
  DEFAULT_OUTPUT_DIRECTORY,
  DEFAULT_REPEAT_WINDOW_DAYS,
  POLL_TIMEOUT_MS,
  ORDERS_PER_MINUTE,
  timeScale,
} from "../config.ts";
import { BatchError, EXIT, UsageError, ValidationFailedError } from "../errors.ts";
import { snapshotInput, type InputSnapshot } from "../batch/batch-identity.ts";
import { batchPaths } from "../journal/batch-journal.ts";
import { OWNER_ONLY_DIRECTORY, refuseUnsafeTarget } from "../csv/safe-file.ts";
import { ledgerPath } from "../journal/ledger.ts";
import { createLogger } from "../log.ts";
import { chooseOutput, ProgressReporter } from "../progress/progress-reporter.ts";
import { askYesNo, isProduction } from "../report/production-guard.ts";
import { confirmRun, refuseUnconfirmable } from "../report/confirm-run.ts";
import { accountStopMessage, formatSummary, writeStoppedSummaryJson, writeSummaryJson } from "../report/summary.ts";
import { removeStaleErrorCsv, writeErrorCsv } from "../input/error-csv.ts";
import { validateInput } from "../input/validation-report.ts";
import { formatReport } from "../report/format-validation.ts";
import { connectionOptions, openConnection, type Connection, type ConnectionArgs } from "./connection-options.ts";
import { catalogFor, parseDelimiter } from "./input-options.ts";

const EXIT_INTERRUPTED = 130;

export interface RunArgs extends ConnectionArgs {
  input: string;
  batchId?: string;
  out?: string;
  rate: number;
  itemsPerOrder: number;
  pollTimeout: number;
  allowDuplicates: boolean;
  skipInvalid: boolean;
  ignoreBalance: boolean;
  acceptChanges: boolean;
  forceAfterExpiry: boolean;
  continueBatch: boolean;
  allowRepeatPayments: boolean;
  repeatWindow: number;
  refreshCatalog: boolean;
  delimiter?: string;
  sheet?: string;
  bom: boolean;
  logFile?: string;
  quiet: boolean;
  progressInterval: number;
  yes: boolean;
  rekey?: string;
  sendEmails: boolean;
  redisUrl?: string;
  resultsFormat: ResultsFormat;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: "run <input>",
  builder: (yargs) =>
    connectionOptions<object>(yargs as Argv)
      .positional("input", { type: "string", demandOption: true, describe: "The rewards CSV" })
      .options({
        "batch-id": {
          type: "string",
          defaultDescription:
            "RUNA_BATCH_ID, else the config file; on the playground only, else the input file's name without extension",
          describe:
            "Names the batch; part of every idempotency key. One per period, the same on every re-run, e.g. rewards-2026-11. Required with --env production",
        },
        out: {
          type: "string",
          describe:
            "Results file (default output/<input name>.results.csv, or .results.jsonl with --results-format jsonl)",
        },
        "results-format": {
          choices: RESULTS_FORMATS,
          default: "csv",
          describe:
            "csv (for spreadsheets) or jsonl (one JSON object per row, for programs); the same fields either way",
        },
        rate: {
          type: "number",
          defaultDescription: `${ORDERS_PER_MINUTE} (or RUNA_RATE)`,
          describe: "Orders per minute (POST /order, retries included)",
        },
        "items-per-order": {
          type: "number",
          defaultDescription: "1 (or RUNA_ITEMS_PER_ORDER)",
          describe: "Rows grouped into one order (1-200) when currency, country and description match",
        },
        "poll-timeout": {
          type: "number",
          defaultDescription: `${POLL_TIMEOUT_MS / 1000} (or RUNA_POLL_TIMEOUT)`,
          describe: "Seconds to poll an order before it is left PENDING",
        },
        "allow-duplicates": {
          type: "boolean",
          default: false,
          describe: "Order identical rows once each instead of refusing the file",
        },
        "skip-invalid": {
          type: "boolean",
          default: false,
          describe: "Order the valid rows even when some are invalid (those end INVALID)",
        },
        "ignore-balance": {
          type: "boolean",
          default: false,
          describe: "Start even when the account balance is known to be short",
        },
        "accept-changes": {
          type: "boolean",
          default: false,
          describe: "Order rows edited after an earlier run paid them, as NEW orders",
        },
        "force-after-expiry": {
          type: "boolean",
          default: false,
          describe: "Re-send keys older than Runa's 30-day idempotency window",
        },
        "continue-batch": {
          type: "boolean",
          default: false,
          describe:
            "Go on with a batch from a file other than the one it was run with (another path, or changed over 7 days after the last run)",
        },
        "allow-repeat-payments": {
          type: "boolean",
          default: false,
          describe:
            "Send rows that another batch paid within the repeat window, or that this batch's lost journal may have paid",
        },
        "repeat-window": {
          type: "number",
          defaultDescription: `${DEFAULT_REPEAT_WINDOW_DAYS} (or RUNA_REPEAT_WINDOW)`,
          describe:
            "Days within which the same recipient, amount and product paid by another batch is refused as a repeat; 0 for never",
        },
        "refresh-catalog": {
          type: "boolean",
          default: false,
          describe: "Fetch the product catalog even if the cached copy is under an hour old",
        },
        delimiter: { type: "string", describe: "Field delimiter (default: detected from the header: , or ;)" },
        sheet: { type: "string", describe: "For an .xlsx workbook: the sheet to read (default: the first)" },
        bom: {
          type: "boolean",
          default: true,
          describe:
            "Start the results and error CSVs with a UTF-8 byte-order mark, so Excel shows accents and currency signs right (--no-bom to omit)",
        },
        "log-file": { type: "string", describe: "JSON-lines log (default output/<batch>.log.jsonl)" },
        quiet: {
          type: "boolean",
          alias: "q",
          default: false,
          describe:
            "No progress and no warnings on stderr: only errors, then the summary on stdout (the log file is complete)",
        },
        "progress-interval": {
          type: "number",
          defaultDescription: "30 (or RUNA_PROGRESS_INTERVAL)",
          describe: "Without a terminal (cron, CI): seconds between plain progress lines on stderr; 0 for none",
        },
        yes: {
          type: "boolean",
          alias: "y",
          default: false,
          describe: "Confirm a --env production run, or --rekey, in advance (required without a terminal)",
        },
        "send-emails": {
          type: "boolean",
          default: false,
          describe:
            "Playground only: have Runa really email the EMAIL rows (X-Send-Email: true); production always emails them",
        },
        rekey: {
          type: "string",
          describe:
            "Re-send these rows (as in the results `row` column, e.g. 5,7,9-12) under a NEW key: only for rows whose key is stuck (ERROR) and which Runa holds no order for",
        },
        "redis-url": {
          type: "string",
          describe:
            "Share the --rate budget with every process using this API key, on any host, through Redis (or set RUNA_REDIS_URL), e.g. redis://host:6379",
        },
      }) as unknown as Argv<RunArgs>,
  // A cast, because withSettings fills --rate, --items-per-order, --poll-timeout, --repeat-window and
  // --progress-interval from RUNA_* variables, the config file, else our defaults, which yargs cannot
  // see: those options have no yargs default (it would hide the variable), so their type allows undefined.
  handler: async (argv) => {
    process.exitCode = await runRun(parseRunArgs(argv, process.env), {
      stdout: process.stdout,
      stderr: process.stderr,
      stdinIsTTY: process.stdin.isTTY === true,
      ask: (question, stop) => askYesNo(question, stop, process.stdin, process.stderr),
      onInterrupt: (handler) => {
        process.on("SIGINT", handler);
        process.on("SIGTERM", handler);
        return () => {
          process.off("SIGINT", handler);
          process.off("SIGTERM", handler);
        };
      },
      exit: (code) => process.exit(code), // the one exit outside main.ts: the user asked for it twice
      now: Date.now,
      env: process.env,
      openConnection,
    });
  },
};

/** The yes/no flags a run takes as they are. */
type RunSwitches = Pick<
  RunArgs,
  | "allowDuplicates"
  | "skipInvalid"
  | "ignoreBalance"
  | "acceptChanges"
  | "forceAfterExpiry"
  | "continueBatch"
  | "allowRepeatPayments"
  | "refreshCatalog"
  | "bom"
  | "quiet"
  | "yes"
  | "sendEmails"
  | "resultsFormat"
>;

/** A run as asked for by the flags, RUNA_* variables and the config file (yargs merged them into argv), checked. */
export interface RunSettings extends RunSwitches {
  /** The input file as the user named it. */
  file: string;
  /** The file's name without its extension: the default batch id and results name. */
  name: string;
  batchId: string;
  /** False when the batch id is only the file's name (no --batch-id, RUNA_BATCH_ID or config file). */
  batchIdGiven: boolean;
  resultsFile: string;
  production: boolean;
  connection: ConnectionArgs;
  ordersPerMinute: number;
  itemsPerOrder: number;
  pollTimeoutMs: number;
  progressIntervalS: number;
  repeatWindowMs: number;
  delimiter: string | undefined;
  sheet: string | undefined;
  logFile: string | undefined;
  rekeyRows: number[] | undefined;
  redisUrl: string | undefined;
  /** Shrinks every wait (tests: RUNA_BATCH_TIME_SCALE). */
  timeScale: number;
  /** The command that resumes this batch, shown in the summary and on interrupt. */
  rerunCommand: string;
}

/** What a run needs from the process around it: its streams, terminal, signals, clock and connection. */
export interface RunDeps {
  stdout: { write(text: string): unknown };
  /** Progress, notes and questions; `isTTY` and `columns` shape the display. */
  stderr: { write(text: string): unknown; isTTY?: boolean | undefined; columns?: number | undefined };
  stdinIsTTY: boolean;
  /** Asks a yes/no question on the terminal; a `stop` (Ctrl-C) answers no. */
  ask: (question: string, stop: AbortSignal) => Promise<boolean>;
  /** Calls `handler` on each SIGINT or SIGTERM, until the returned function is called. */
  onInterrupt: (handler: (signal: NodeJS.Signals) => void) => () => void;
  /** Ends the process at once: only on a second interrupt. */
  exit: (code: number) => void;
  now: () => number;
  /** The variables the display honours (RUNA_BATCH_FORCE_TTY, TERM, NO_COLOR). */
  env: NodeJS.ProcessEnv;
  openConnection: (
    argv: ConnectionArgs,
    options: { ordersPerMinute?: number; sendEmails?: boolean },
  ) => Promise<Connection>;
}

/** Checks the flags (no I/O): throws UsageError for a bad value or combination. */
export function parseRunArgs(argv: RunArgs, env: NodeJS.ProcessEnv): RunSettings {
  const file = argv.input;
  const name = basename(file, extname(file));
  const production = isProduction(argv);
  const batchId = argv.batchId ?? name;
  if (!(argv.rate > 0)) throw new UsageError(`--rate must be above 0, got ${argv.rate}`);
  if (!Number.isInteger(argv.itemsPerOrder) || argv.itemsPerOrder < 1 || argv.itemsPerOrder > 200) {
    throw new UsageError(`--items-per-order must be a whole number from 1 to 200, got ${argv.itemsPerOrder}`);
  }
  if (!(argv.pollTimeout > 0)) throw new UsageError(`--poll-timeout must be above 0 seconds, got ${argv.pollTimeout}`);
  if (!(argv.progressInterval >= 0))
    throw new UsageError(`--progress-interval must be 0 or more seconds, got ${argv.progressInterval}`);
  if (!(argv.repeatWindow >= 0))
    throw new UsageError(`--repeat-window must be 0 or more days, got ${argv.repeatWindow}`);
  if (argv.sendEmails && production) {
    throw new UsageError(
      "--send-emails is for the playground only: in production Runa always emails EMAIL rows. Drop --send-emails; nothing was sent.",
      "usage",
    );
  }
  return {
    file,
    name,
    batchId,
    batchIdGiven: argv.batchId !== undefined,
    resultsFile: argv.out ?? join(DEFAULT_OUTPUT_DIRECTORY, `${name}.results.${argv.resultsFormat}`),
    production,
    connection: {
      env: argv.env,
      baseUrl: argv.baseUrl,
      apiKeyFile: argv.apiKeyFile,
      simulate: argv.simulate,
      config: argv.config,
      stateDir: argv.stateDir,
    },
    ordersPerMinute: argv.rate,
    itemsPerOrder: argv.itemsPerOrder,
    pollTimeoutMs: argv.pollTimeout * 1000,
    progressIntervalS: argv.progressInterval,
    repeatWindowMs: argv.repeatWindow * 24 * 60 * 60_000,
    allowDuplicates: argv.allowDuplicates,
    skipInvalid: argv.skipInvalid,
    ignoreBalance: argv.ignoreBalance,
    acceptChanges: argv.acceptChanges,
    forceAfterExpiry: argv.forceAfterExpiry,
    continueBatch: argv.continueBatch,
    allowRepeatPayments: argv.allowRepeatPayments,
    refreshCatalog: argv.refreshCatalog,
    delimiter: parseDelimiter(argv.delimiter),
    sheet: argv.sheet,
    bom: argv.bom,
    resultsFormat: argv.resultsFormat,
    logFile: argv.logFile,
    quiet: argv.quiet,
    yes: argv.yes,
    rekeyRows: argv.rekey === undefined ? undefined : parseRowList(argv.rekey),
    sendEmails: argv.sendEmails,
    redisUrl: argv.redisUrl, // flag, RUNA_REDIS_URL or the config file (config-file.ts)
    timeScale: timeScale(env),
    rerunCommand: rerunCommand(argv, batchId),
  };
}

/**
 * Runs the batch and returns the exit code: 0 all COMPLETED, 3 some not, 4 an account-wide stop, 130
 * interrupted. A refusal or fault is thrown as a BatchError (main.ts prints it and maps its exit code).
 */
export async function runRun(settings: RunSettings, deps: RunDeps): Promise<number> {
  const { file, name, batchId, resultsFile, production } = settings;
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  const stopped = (error: unknown): Promise<void> =>
    error instanceof BatchError
      ? writeStoppedSummaryJson(
          batchPaths(dirname(resultsFile), batchId).summary,
          batchId,
          error,
          new Date(deps.now()),
        ).catch(() => undefined)
      : Promise.resolve();
  mkdirSync(dirname(resultsFile), { recursive: true, mode: OWNER_ONLY_DIRECTORY });
  try {
    // Before any request: a yes nobody can give, then a production batch without a name.
    refuseUnconfirmable({
      production,
      yes: settings.yes,
      rekey: settings.rekeyRows !== undefined,
      stdinIsTTY: deps.stdinIsTTY,
    });
    if (production && !settings.batchIdGiven) {
      throw new UsageError(
        `a production run needs an explicit batch id, one per period and the same on every re-run: --batch-id ${name}-${new Date(deps.now()).toISOString().slice(0, 7)} (or RUNA_BATCH_ID, or "batch-id" in the config file). Nothing was ordered.`,
        "batch_id_required",
      );
    }
  } catch (error) {
    await stopped(error); // cron's refusal too: a monitor must not read the last run's summary as this one's
    throw error;
  }

  const connection = await deps.openConnection(settings.connection, {
    ordersPerMinute: settings.ordersPerMinute,
    sendEmails: settings.sendEmails,
  });
  // The simulator forgets everything when this run ends, so a rehearsal keeps its state apart
  // and throws it away: a real batch's journal and ledger are never mixed with simulated orders.
  const rehearsalState = connection.simulated ? mkdtempSync(join(tmpdir(), "runa-batch-rehearsal-")) : undefined;
  const stateDirectory = rehearsalState ?? connection.stateDirectory();
  const stop = new AbortController();
  const output = chooseOutput({ stderrIsTTY: deps.stderr.isTTY === true, quiet: settings.quiet, env: deps.env });
  const progress = new ProgressReporter({
    ...output,
    batchId,
    stream: deps.stderr,
    intervalS: settings.progressIntervalS,
  });
  const ask = (question: string): Promise<boolean> => progress.aside(() => deps.ask(question, stop.signal));
  const stopListening = deps.onInterrupt((signal) => {
    if (stop.signal.aborted) {
      progress.stop();
      deps.stderr.write(
        `\n${signal} again: exiting now; the journal keeps every sent order safe. Resume with: ${settings.rerunCommand}\n`,
      );
      deps.exit(EXIT_INTERRUPTED);
      return;
    }
    progress.note(
      `\n${signal}: no new orders will be sent; finishing requests in flight and writing results (${signal} again to exit at once)`,
    );
    stop.abort();
  });
  let budget: OrderBudget | undefined;
  let snapshot: InputSnapshot | undefined;
  try {
    if (!settings.batchIdGiven && !settings.quiet)
      progress.note(
        `batch id "${batchId}", from the file's name: give --batch-id to name the period (required in production)`,
      );
    progress.stage("loading the product catalog");
    const inputOptions = {
      catalog: await catalogFor(connection, settings.refreshCatalog),
      allowDuplicates: settings.allowDuplicates,
      displayName: file,
      ...(settings.delimiter ? { delimiter: settings.delimiter } : {}),
      sheet: settings.sheet,
    };

    // Every pass reads this private copy: the file cannot change under the run.
    snapshot = await snapshotInput(file);
    progress.stage(`validating ${file}`);
    const report = await validateInput(snapshot.path, inputOptions);
    progress.validated({ total: report.rows, valid: report.valid, invalid: report.invalid });
    const errorsFile = join(dirname(resultsFile), `${name}.errors.csv`);
    if (report.invalid > 0) {
      progress.note(formatReport(report));
      await writeErrorCsv(snapshot.path, inputOptions, errorsFile, settings.bom);
      if (!settings.skipInvalid) {
        throw new ValidationFailedError(
          `${file}: ${report.invalid} of ${report.rows} row(s) are invalid; nothing was ordered. Fix them (see ${errorsFile}) or pass --skip-invalid.`,
        );
      }
      progress.note(
        `--skip-invalid: the ${report.invalid} invalid row(s) are left out (INVALID in the results; see ${errorsFile}); the ${report.valid} valid row(s) are ordered`,
      );
    } else {
      removeStaleErrorCsv(errorsFile);
    }
    const besideResults = batchPaths(dirname(resultsFile), batchId);
    const logFile = settings.logFile ?? besideResults.log;
    refuseUnsafeTarget(besideResults.summary); // before any POST, not after the orders are placed
    const log = createLogger({
      file: logFile,
      batchId,
      toStderr: !output.terminal,
      stderrLevel: settings.quiet ? "error" : "info",
      ...(output.terminal
        ? { notes: { level: settings.quiet ? "error" : "warn", write: (line: string) => progress.note(line) } }
        : {}),
      secrets: connection.secrets,
    });
    log.info(
      {
        file,
        resultsFile,
        rate: settings.ordersPerMinute,
        itemsPerOrder: settings.itemsPerOrder,
        env: connection.simulated ? "simulated" : settings.connection.env,
        baseUrl: connection.baseUrl,
        rows: report.rows,
        valid: report.valid,
      },
      "run starting",
    );
    // One order budget per API key: with Redis, every process using the key shares it. The key is
    // read again here only to be hashed into the budget's name.
    const redisUrl = settings.redisUrl;
    budget = await openOrderBudget({
      ordersPerMinute: settings.ordersPerMinute,
      redisUrl,
      baseUrl: connection.baseUrl,
      apiKey: redisUrl === undefined ? "" : (connection.secrets[0] ?? ""),
      log,
    });
    const limiter = budget.limiter;
    const summary = await runBatch(
      {
        file: snapshot.path,
        runInput: snapshot.input,
        batchId,
        resultsFile,
        stateDirectory,
        ledgerFile: ledgerPath(stateDirectory),
        input: inputOptions,
        ordersPerMinute: settings.ordersPerMinute,
        itemsPerOrder: settings.itemsPerOrder,
        pollTimeoutMs: settings.pollTimeoutMs,
        acceptChanges: settings.acceptChanges,
        forceAfterExpiry: settings.forceAfterExpiry,
        ...(settings.rekeyRows ? { rekeyRows: settings.rekeyRows } : {}),
        continueBatch: settings.continueBatch,
        allowRepeatPayments: settings.allowRepeatPayments,
        repeatWindowMs: settings.repeatWindowMs,
        production,
      },
      {
        client: connection.client,
        log,
        stop: stop.signal,
        timeScale: settings.timeScale,
        onProgress: progress.update,
        resultsWriter: resultsWriter(settings.resultsFormat, { bom: settings.bom }),
        orderLimiter: limiter,
        ...(budget.pause ? { sharedPause: budget.pause } : {}),
        confirmRekey: async (question) => settings.yes || (await ask(question)),
        // Priced from the plan, so a re-run is not refused (or asked about) for rows already paid.
        beforeSending: async (planned, choices) => {
          if (planned.length === 0) return; // nothing will be spent
          // Production prices product choices exactly (Runa's estimate), within the order budget.
          const { costs: toSend, note } = production
            ? await priceExactly(planned, choices, (body) =>
                limiter.schedule(() => connection.client.estimateOrder(body)),
              )
            : { costs: planned, note: undefined };
          if (note) progress.note(note);
          await confirmRun(toSend, note, settings, {
            client: connection.client,
            note: (text) => progress.note(text),
            stage: (text) => progress.stage(text),
            ask,
          });
        },
      },
    );
    const context = {
      logFile,
      rerunCommand: settings.rerunCommand,
      simulated: connection.simulated,
    };
    await writeSummaryJson(besideResults.summary, summary, context);
    progress.stop();
    log.info(
      { statuses: summary.statuses, elapsedMs: summary.elapsedMs, interrupted: summary.interrupted },
      "run finished",
    );
    deps.stdout.write(formatSummary(summary, context));
    if (summary.accountStop) {
      deps.stderr.write(`runa-batch: ${accountStopMessage(summary, context.rerunCommand)}\n`);
      return EXIT.ACCOUNT_STOPPED;
    }
    if (summary.interrupted) return EXIT_INTERRUPTED;
    return summary.statuses.COMPLETED === Object.values(summary.statuses).reduce((a, b) => a + b, 0)
      ? EXIT.OK
      : EXIT.INCOMPLETE;
  } catch (error) {
    await stopped(error);
    throw error;
  } finally {
    progress.stop();
    stopListening();
    await budget?.close();
    await connection.close();
    snapshot?.remove();
    if (rehearsalState) rmSync(rehearsalState, { recursive: true, force: true });
  }
}

/** The command that resumes this batch: same file, same batch id, same results file. */
function rerunCommand(argv: RunArgs, batchId: string): string {
  const parts = ["runa-batch", "run", argv.input, "--batch-id", batchId];
  if (argv.out) parts.push("--out", argv.out);
  if (argv.resultsFormat !== "csv") parts.push("--results-format", argv.resultsFormat);
  if (argv.simulate) parts.push("--simulate");
  else if (argv.env !== "playground") parts.push("--env", argv.env);
  if (argv.baseUrl) parts.push("--base-url", argv.baseUrl);
  if (argv.apiKeyFile) parts.push("--api-key-file", argv.apiKeyFile);
  if (argv.config) parts.push("--config", argv.config);
  if (argv.logFile) parts.push("--log-file", argv.logFile);
  if (argv.delimiter) parts.push("--delimiter", argv.delimiter);
  if (argv.sheet) parts.push("--sheet", argv.sheet);
  if (argv.pollTimeout !== POLL_TIMEOUT_MS / 1000) parts.push("--poll-timeout", String(argv.pollTimeout));
  if (argv.yes) parts.push("--yes");
  if (argv.rate !== ORDERS_PER_MINUTE) parts.push("--rate", String(argv.rate));
  if (argv.itemsPerOrder !== 1) parts.push("--items-per-order", String(argv.itemsPerOrder));
  if (argv.skipInvalid) parts.push("--skip-invalid");
  if (argv.allowDuplicates) parts.push("--allow-duplicates");
  if (argv.stateDir) parts.push("--state-dir", argv.stateDir);
  if (argv.sendEmails) parts.push("--send-emails");
  return parts.map((part) => (/^[\w./=-]+$/.test(part) ? part : `'${part.replace(/'/g, "'\\''")}'`)).join(" ");
}
