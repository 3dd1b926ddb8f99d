// `runa-batch reconcile [--since] [--until]`: lists Runa's orders (GET /order, to the end) and
// matches them against every local journal: orders Runa has that no journal knows, journal orders
// Runa does not list, and per batch and currency the journals' totals against Runa's total_price.
// Sends nothing. Exit 0 when everything matches, 3 when anything does not.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Argv, CommandModule } from "yargs";
import { DEFAULT_OUTPUT_DIRECTORY, timeScale } from "../config.ts";
import { ensurePrivateDirectory, OWNER_ONLY_DIRECTORY } from "../csv/safe-file.ts";
import { EXIT, UsageError } from "../errors.ts";
import { listJournals } from "../journal/list-journals.ts";
import { journalOrders } from "../reconcile/journal-orders.ts";
import { allMatch, matchOrders, type Period } from "../reconcile/match-orders.ts";
import { formatReconciliation, writeReconciliationCsv } from "../reconcile/reconcile-report.ts";
import { listRunaOrders } from "../reconcile/runa-orders.ts";
import { connectionOptions, openConnection, type Connection, type ConnectionArgs } from "./connection-options.ts";

export interface ReconcileArgs extends ConnectionArgs {
  since?: string | undefined;
  until?: string | undefined;
  journalDir?: string | undefined;
  out?: string | undefined;
  bom: boolean;
}

export interface ReconcileDeps {
  write: (text: string) => void;
  openConnection: (argv: ConnectionArgs) => Promise<Connection>;
  now: () => Date;
}

export const reconcileCommand: CommandModule<object, ReconcileArgs> = {
  command: "reconcile",
  builder: (yargs) =>
    connectionOptions(yargs as Argv).options({
      since: {
        type: "string",
        describe:
          "Start of the period (UTC): a date, 2026-11-01, or a timestamp, 2026-11-01T08:00:00Z. Default: the beginning",
      },
      until: {
        type: "string",
        describe: "End of the period (UTC): a date includes that whole day, a timestamp is exclusive. Default: now",
      },
      "journal-dir": {
        type: "string",
        describe:
          "Where the journals are (default: this environment's state folder, where run keeps them; e.g. output/ for journals from before it)",
      },
      out: { type: "string", describe: "The report CSV (default output/reconcile-<env>-<time>.csv)" },
      bom: {
        type: "boolean",
        default: true,
        describe: "Start the CSV with a UTF-8 byte-order mark, for Excel (--no-bom to omit)",
      },
    }),
  handler: async (argv) => {
    process.exitCode = await runReconcile(argv, {
      write: (text) => process.stdout.write(text),
      openConnection,
      now: () => new Date(),
    });
  },
};

export async function runReconcile(argv: ReconcileArgs, deps: ReconcileDeps): Promise<number> {
  if (argv.simulate)
    throw new UsageError(
      "reconcile compares your journals with a Runa account; a --simulate simulator starts with no orders. Use --env or --base-url",
    );
  const { period, label } = parsePeriod(argv.since, argv.until);
  const csvFile =
    argv.out ??
    join(
      DEFAULT_OUTPUT_DIRECTORY,
      `reconcile-${argv.env}-${deps
        .now()
        .toISOString()
        .replace(/[-:]|\.\d+/g, "")}.csv`,
    );

  const connection = await deps.openConnection(argv);
  let runa;
  let journalDirectory: string;
  let journals: string[];
  try {
    // Every batch of this environment keeps its journal in the state folder; --journal-dir reads another
    // folder (say output/, where journals lived before the state folder).
    journalDirectory = argv.journalDir ?? connection.stateDirectory();
    journals = listJournals(journalDirectory);
    runa = await listRunaOrders(connection.client, (ms) => sleep(ms * timeScale()));
  } finally {
    await connection.close();
  }
  const reconciliation = matchOrders(runa, journalOrders(journals), period);
  if (argv.out === undefined) ensurePrivateDirectory(DEFAULT_OUTPUT_DIRECTORY);
  else mkdirSync(dirname(csvFile), { recursive: true, mode: OWNER_ONLY_DIRECTORY });
  await writeReconciliationCsv(csvFile, reconciliation, argv.bom);
  deps.write(
    formatReconciliation(reconciliation, { journals: journals.length, journalDirectory, period: label, csvFile }),
  );
  return allMatch(reconciliation) ? EXIT.OK : RECONCILE_MISMATCH;
}

/** Exit code when anything does not match (as for a run that left rows not COMPLETED). */
const RECONCILE_MISMATCH = 3;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60_000;

/** --since and --until as a half-open period in UTC; a bare date for --until takes in that whole day. */
export function parsePeriod(since: string | undefined, until: string | undefined): { period: Period; label: string } {
  const period: Period = {};
  if (since !== undefined) period.since = instant("--since", since);
  if (until !== undefined) period.until = instant("--until", until) + (DATE_ONLY.test(until) ? DAY_MS : 0);
  if (period.since !== undefined && period.until !== undefined && period.since >= period.until) {
    throw new UsageError(`--since ${since} is not before --until ${until}`);
  }
  const label =
    since === undefined && until === undefined
      ? "of all time"
      : `from ${since ?? "the beginning"} to ${until === undefined ? "now" : `${until}${DATE_ONLY.test(until) ? " (the whole day)" : ""}`} (UTC)`;
  return { period, label };
}

function instant(flag: string, text: string): number {
  // A date is midnight UTC; a timestamp without a zone is read as UTC too, never as local time.
  const iso = DATE_ONLY.test(text) ? `${text}T00:00:00Z` : /T[\d:.]+$/.test(text) ? `${text}Z` : text;
  const time = /^\d{4}-\d{2}-\d{2}T/.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(time))
    throw new UsageError(
      `${flag} must be a date (2026-11-01) or an ISO 8601 timestamp (2026-11-01T08:00:00Z), got "${text}"`,
    );
  return time;
}
