// `runa-batch status <input.csv | batch-id>`: what the journal knows about a batch, and what a
// re-run would do. Reads the journal only; with the input file and a connection, it also plans
// every row of the file with the same rules `run` uses, sending nothing.
import { existsSync, lstatSync } from "node:fs";
import { basename, dirname, extname } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { findJournal, preflight, type Preflight } from "../batch/preflight.ts";
import type { RowPlan } from "../batch/plan-row.ts";
import { digestJournal, loadDigest, type JournalDigest } from "../batch/journal-digest.ts";
import { DEFAULT_OUTPUT_DIRECTORY, DEFAULT_REPEAT_WINDOW_DAYS } from "../config.ts";
import { readJournal } from "../journal/batch-journal.ts";
import { loadSnapshot } from "../journal/state-snapshot.ts";
import { JournalState, type OrderState } from "../journal/journal-state.ts";
import { BatchError, EXIT } from "../errors.ts";
import { isProduction } from "../report/production-guard.ts";
import type { FlagsOf } from "./index.ts";
import { connectionOptions, openConnection, stateDirectoryOf, type ConnectionArgs } from "./connection-options.ts";
import { catalogFor, parseDelimiter } from "./input-options.ts";

interface StatusArgs extends ConnectionArgs {
  target: string;
  batchId?: string | undefined;
  out?: string | undefined;
  delimiter?: string | undefined;
  sheet?: string | undefined;
  allowDuplicates: boolean;
  /** Filled from RUNA_REPEAT_WINDOW, the config file or the default by the settings middleware. */
  repeatWindow?: number | undefined;
}

function statusFlags(yargs: Argv) {
  return connectionOptions<object>(yargs)
    .positional("target", { type: "string", demandOption: true, describe: "The rewards CSV, or a batch id" })
    .options({
      "batch-id": {
        type: "string",
        describe:
          "The batch id the file was run with (default: RUNA_BATCH_ID, the config file, else the file's name without extension)",
      },
      out: {
        type: "string",
        describe:
          "The results CSV the batch was run with; a journal from before the state folder may still be beside it (default output/)",
      },
      "repeat-window": {
        type: "number",
        defaultDescription: `${DEFAULT_REPEAT_WINDOW_DAYS} (or RUNA_REPEAT_WINDOW)`,
        describe: "As given to run",
      },
      delimiter: { type: "string", describe: "Field delimiter of the file (default: detected)" },
      sheet: { type: "string", describe: "For an .xlsx workbook: the sheet to read (default: the first)" },
      "allow-duplicates": { type: "boolean", default: false, describe: "As given to run" },
    });
}

export const statusCommand: CommandModule<object, FlagsOf<typeof statusFlags>> = {
  command: "status <target>",
  builder: statusFlags,
  handler: async (argv) => {
    const { text, exitCode } = await status(argv);
    process.stdout.write(text);
    process.exitCode = exitCode;
  },
};

/** The report, and the exit code a run would have before sending: 0 it would go ahead, 1 or 2 it would refuse. */
async function status(argv: ArgumentsCamelCase<StatusArgs>): Promise<{ text: string; exitCode: number }> {
  const isFile = existsSync(argv.target) && extname(argv.target) !== "";
  const batchId = argv.batchId ?? (isFile ? basename(argv.target, extname(argv.target)) : argv.target);
  const stateDirectory = stateDirectoryOf(argv);
  const legacyDirectory = argv.out ? dirname(argv.out) : DEFAULT_OUTPUT_DIRECTORY;
  const journalPath = findJournal(stateDirectory, legacyDirectory, batchId);
  const lines = [`Batch ${batchId}`];
  let journal = new JournalState();
  let expiredKeys = 0;
  // lstat, not existsSync: a link there, even a dangling one, is refused below rather than read as no journal.
  if (isPresent(journalPath)) {
    // The counts come from the digest the last run left, and the state to plan the file with from
    // its snapshot, when the journal is still exactly as they were saved; else from the journal folded.
    const saved = loadDigest(journalPath);
    if (!saved || isFile) journal = loadSnapshot(journalPath) ?? readJournal(journalPath);
    const { digest, expired } = saved ? { digest: saved, expired: [] } : digestJournal(journal, Date.now());
    lines.push(`  journal: ${journalPath}${digest.createdAt ? ` (started ${digest.createdAt})` : ""}`);
    const last = digest.lastRun;
    if (last)
      lines.push(
        `  last run: ${last.at} from ${last.input.path} (${last.input.size} bytes, sha256 ${last.input.sha256.slice(0, 12)}…)`,
      );
    lines.push(...describeJournal(digest, expired));
    expiredKeys = expired.length;
  } else {
    lines.push(`  no journal for this batch in ${stateDirectory}: nothing was sent for it from this machine.`);
  }
  // A key past Runa's window makes a run refuse, and the batch id alone must say so too (cron checks the code).
  let exitCode: number = expiredKeys > 0 ? EXIT.USAGE : EXIT.OK;
  if (isFile) {
    const rerun = await describeRerun(argv, journal, batchId, stateDirectory, legacyDirectory);
    lines.push(...rerun.lines);
    exitCode = rerun.exitCode;
  }
  return { text: `${lines.join("\n")}\n`, exitCode };
}

function describeJournal(digest: JournalDigest, expired: OrderState[]): string[] {
  const count = (counts: [string, number][]) => counts.map(([label, n]) => `${n} ${label}`).join(", ") || "none";
  return [
    `  orders: ${count(digest.orders)}`,
    `  rows:   ${count(digest.rows)}`,
    "  for these rows a re-run would:",
    ...actionLines(digest.next),
    ...expiredLines(expired),
  ];
}

/** Keys past Runa's window with no answer: a re-run refuses them, and says why, before any POST. */
function expiredLines(orders: OrderState[]): string[] {
  if (orders.length === 0) return [];
  const rows = orders.reduce((sum, order) => sum + order.rows.length, 0);
  return [
    `  ! ${orders.length} order(s) (${rows} row(s)) were first sent over 29 days ago and no answer was recorded. Runa forgets an`,
    "    idempotency key after 30 days, so a re-run refuses them. --force-after-expiry would re-send them with the same key,",
    "    which Runa would then treat as a NEW order: if the first one went through, those rows would be paid twice.",
    "    Look these orders up in the Runa dashboard first:",
    ...orders.map(
      (order) =>
        `    key ${order.key}, first sent ${order.firstPostAt}, row(s) ${order.rows.map((row) => row.row).join(", ")}`,
    ),
  ];
}

function actionLines(counts: Partial<Record<RowPlan["action"], number>>): string[] {
  const lines: string[] = [];
  if (counts.done) lines.push(`    skip ${counts.done} COMPLETED row(s): their results come from the journal`);
  if (counts.poll) lines.push(`    poll ${counts.poll} row(s) whose order was accepted (never re-posted)`);
  if (counts.repost)
    lines.push(
      `    re-send ${counts.repost} row(s) with the SAME key and body (Runa replays an order it already made)`,
    );
  if (counts.new)
    lines.push(
      `    send ${counts.new} row(s) under a new key (not sent before, or last attempt FAILED or got a final 4xx)`,
    );
  if (counts.conflict)
    lines.push(
      `    stop on ${counts.conflict} row(s) that may already be paid in another form, unless --accept-changes`,
    );
  return lines.length > 0 ? lines : ["    nothing"];
}

/** Plans the file's rows exactly as `run` would (identity, edits, other batches); needs the catalog to read the rows. */
async function describeRerun(
  argv: ArgumentsCamelCase<StatusArgs>,
  journal: JournalState,
  batchId: string,
  stateDirectory: string,
  legacyDirectory: string,
): Promise<{ lines: string[]; exitCode: number }> {
  let catalog: Awaited<ReturnType<typeof catalogFor>>;
  try {
    const connection = await openConnection(argv);
    try {
      catalog = await catalogFor(connection, false);
    } finally {
      await connection.close();
    }
  } catch (error) {
    if (!(error instanceof BatchError)) throw error;
    return {
      lines: [`  (to plan every row of ${argv.target}, the catalog is needed: ${error.message})`],
      exitCode: EXIT.OK,
    };
  }
  // Past the catalog, a refusal (a damaged or linked ledger, a file that cannot be read) is the run's
  // own: status stops on it as run would, never reporting it as a missing catalog with exit 0.
  const delimiter = parseDelimiter(argv.delimiter);
  const input = {
    catalog,
    allowDuplicates: argv.allowDuplicates,
    ...(delimiter ? { delimiter } : {}),
    sheet: argv.sheet,
  };
  const found: Preflight = await preflight({
    file: argv.target,
    input,
    batchId,
    stateDirectory,
    legacyDirectory,
    repeatWindowMs: (argv.repeatWindow ?? DEFAULT_REPEAT_WINDOW_DAYS) * DAY_MS,
    journal,
    production: isProduction(argv),
  });
  const { plan, refusals } = found;
  const lines = [
    `  for the ${Object.values(plan.counts).reduce((a, b) => a + b, 0)} valid row(s) of ${argv.target} a re-run would:`,
    ...actionLines(plan.counts),
  ];
  for (const refusal of refusals) lines.push(`    ! ${refusal}`);
  // Say plainly when `run` would stop before sending anything, and exit as it would.
  if (plan.invalid > 0) {
    lines.push(
      `  a run now would REFUSE the file: ${plan.invalid} row(s) are invalid (runa-batch validate lists them); nothing is sent unless --skip-invalid`,
    );
    return { lines, exitCode: EXIT.INVALID_INPUT };
  }
  if (refusals.length > 0) {
    lines.push("  a run now would REFUSE before sending anything, for the reasons marked ! above");
    return { lines, exitCode: EXIT.USAGE };
  }
  return { lines, exitCode: EXIT.OK };
}

const DAY_MS = 24 * 60 * 60_000;

function isPresent(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
