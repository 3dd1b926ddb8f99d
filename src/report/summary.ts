// The end-of-run summary: for the person at the terminal (stdout), and as JSON for machines
// (output/<batch>.summary.json). It names every file the run wrote and the exact command to re-run.
import { Readable } from "node:stream";
import type { RunSummary } from "../batch/run-batch.ts";
import type { RowStatus } from "../csv/write-results.ts";
import type { ProblemGroup } from "../batch/results-writer.ts";
import { writeFileAtomically } from "../csv/safe-file.ts";
import { formatDuration } from "../progress/format-progress.ts";
import { hintFor } from "./error-hints.ts";
import { STUCK_KEY } from "../batch/plan-row.ts";

/** Orders listed in the terminal summary; the summary JSON has them all. */
const MAX_LISTED_ROWS = 10;

export interface SummaryContext {
  logFile?: string;
  rerunCommand: string;
  /** A --simulate rehearsal: its journal was temporary and is gone. */
  simulated?: boolean;
}

export interface ProblemCount extends ProblemGroup {
  hint: string;
}

const STATUS_ORDER: RowStatus[] = ["COMPLETED", "FAILED", "REJECTED", "PENDING", "INVALID", "ERROR", "NOT_SENT"];

/** Orders per minute between the first POST and the last order settled in this run. */
export function ordersPerMinute(summary: RunSummary): number | undefined {
  const { firstPostAt, lastSettledAt, accepted } = summary.counters;
  if (firstPostAt === undefined || lastSettledAt === undefined || accepted < 2) return undefined;
  const minutes = (lastSettledAt - firstPostAt) / 60_000;
  return minutes > 0 ? accepted / minutes : undefined;
}

function totalRows(summary: RunSummary): number {
  return Object.values(summary.statuses).reduce((sum, count) => sum + count, 0);
}

/** The writer's groups of rows not COMPLETED, most frequent first within each status, each with its hint. */
export function problemsOf(summary: RunSummary): ProblemCount[] {
  return summary.problems
    .map((problem) => ({ ...problem, hint: hintFor(problem.status, problem.errorType) }))
    .sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || b.count - a.count);
}

export function formatSummary(summary: RunSummary, context: SummaryContext): string {
  const lines: string[] = [];
  const total = totalRows(summary);
  const statuses = STATUS_ORDER.filter((status) => summary.statuses[status] > 0);
  lines.push(
    `Batch ${summary.batchId}${summary.interrupted ? " (INTERRUPTED)" : ""}: ${statuses.map((status) => `${summary.statuses[status]} ${status}`).join(", ") || "no rows"} of ${total} row(s)`,
  );
  if (summary.alreadyCompleted > 0)
    lines.push(`  ${summary.alreadyCompleted} row(s) were already COMPLETED by an earlier run and were not sent again`);
  const problems = problemsOf(summary);
  for (const problem of problems) {
    const more = problem.count > problem.rows.length ? ", ..." : "";
    const what = problem.errorType ? `${problem.status} ${problem.errorType}` : problem.status;
    lines.push(
      `  ${problem.count} ${what} (row ${problem.rows.join(", ")}${more})${problem.hint ? `: ${problem.hint}` : ""}`,
    );
  }
  const stuck = problems.find((problem) => problem.errorType === STUCK_KEY);
  if (stuck)
    lines.push(
      `  Only after checking that Runa holds no order for them, re-send the stuck rows under a new key: ${context.rerunCommand} --rekey ${stuck.rows.join(",")}`,
    );
  for (const currency of summary.completed) {
    lines.push(
      `  ${currency.currency}: ${currency.rows} completed, face value ${currency.faceValue}, charged ${currency.price}`,
    );
  }
  // Orders superseded by edits, or for rows since deleted, were paid too: the batch's spend says so.
  for (const charged of summary.charged) {
    const rows = summary.completed.find((currency) => currency.currency === charged.currency);
    if (rows?.price === charged.price) continue;
    lines.push(
      `  ${charged.currency}: the batch's ${charged.orders} completed order(s) charged ${charged.price} in all, including orders superseded by an edit (superseded_order_ids in the results) or for rows no longer in the file`,
    );
  }
  const elsewhere = summary.ordersNotInFile;
  if (elsewhere.length > 0) {
    const listed = elsewhere
      .slice(0, MAX_LISTED_ROWS)
      .map(
        (order) =>
          `${order.orderId ?? `key ${order.key}`} ${order.status} (then ${order.rows.length === 1 ? `row ${order.rows[0]}` : `${order.rows.length} rows from row ${Math.min(...order.rows)}`})`,
      );
    lines.push(
      `  ${elsewhere.length} order(s) of this batch are for rows no longer in the file (deleted, or now invalid): ${listed.join("; ")}${elsewhere.length > listed.length ? "; ..." : ""}; all are in the summary JSON`,
    );
  }
  const { failed, rejected, rows } = summary.wholeOrdersLost;
  if (failed + rejected > 0) {
    lines.push(
      `  ${failed} multi-row order(s) FAILED and ${rejected} were rejected as a whole: all ${rows} of their rows share that fate (one order, one outcome)`,
    );
  }
  const { posts, retries, polls, accepted } = summary.counters;
  const rate = ordersPerMinute(summary);
  const retried = Object.values(retries).reduce((sum, count) => sum + count, 0);
  lines.push(
    `  ${accepted} order(s) accepted from ${posts} POST(s)${rate === undefined ? "" : ` at ${rate.toFixed(1)} orders/minute`}; ${polls} poll(s)`,
  );
  lines.push(
    `  ${retried} retr${retried === 1 ? "y" : "ies"}: ${retries.rate_limited} rate limited (429), ${retries.network} network, ${retries.server_error} server error, ${retries.in_progress} in progress` +
      (retries.unrecognised > 0 ? `, ${retries.unrecognised} answer(s) not from Runa` : ""),
  );
  lines.push(`  elapsed ${formatDuration(summary.elapsedMs)} (${(summary.elapsedMs / 1000).toFixed(1)} s)`);
  lines.push(`  results: ${summary.resultsFile}`);
  lines.push(
    `  journal: ${context.simulated ? "none kept (a --simulate rehearsal forgets its orders)" : summary.journalFile}`,
  );
  if (context.logFile) lines.push(`  log:     ${context.logFile}`);
  const unfinished = total - summary.statuses.COMPLETED - summary.statuses.INVALID;
  if (summary.accountStop) lines.push(`  ${accountStopMessage(summary, context.rerunCommand)}`);
  else if (summary.interrupted) lines.push(`  Interrupted (exit 130). Resume with exactly: ${context.rerunCommand}`);
  else if (unfinished > 0) lines.push(`  To resume or retry, re-run exactly: ${context.rerunCommand}`);
  else if (context.simulated)
    lines.push(`  Rehearse again (a new simulator, so every row is ordered afresh): ${context.rerunCommand}`);
  else lines.push(`  Re-running is safe (COMPLETED rows are never sent again): ${context.rerunCommand}`);
  return `${lines.join("\n")}\n`;
}

export async function writeSummaryJson(path: string, summary: RunSummary, context: SummaryContext): Promise<void> {
  const document = {
    ...summary,
    ordersPerMinute: ordersPerMinute(summary) ?? null,
    problems: problemsOf(summary),
    logFile: context.logFile ?? null,
    rerunCommand: context.rerunCommand,
  };
  await writeFileAtomically(path, Readable.from([`${JSON.stringify(document, null, 2)}\n`]));
}

/**
 * The summary of a run that stopped on an error (a refusal before sending, or a fault): written over
 * the previous run's, so a monitor never reads that one as this run's outcome.
 */
export async function writeStoppedSummaryJson(
  path: string,
  batchId: string,
  error: { message: string; code: string; exitCode: number },
  at: Date,
): Promise<void> {
  const document = {
    batchId,
    stopped: true,
    exitCode: error.exitCode,
    error: error.code,
    message: error.message,
    at: at.toISOString(),
  };
  await writeFileAtomically(path, Readable.from([`${JSON.stringify(document, null, 2)}\n`]));
}

/** The one message of a run halted by an account-wide refusal: the cause, what waits, the fix. */
export function accountStopMessage(summary: RunSummary, rerunCommand: string): string {
  const stop = summary.accountStop;
  if (!stop) return "";
  const waiting = summary.statuses.NOT_SENT + summary.statuses.ERROR;
  const refused = summary.statuses.REJECTED;
  return (
    `STOPPED: ${stop.cause} (Runa answered ${stop.status} ${stop.type}${stop.message ? `: ${stop.message}` : ""}). ` +
    `No order was sent after it; ${waiting} row(s) wait unsent${refused > 0 ? ` and ${refused} were refused (REJECTED)` : ""}. ` +
    `Fix: ${stop.fix}, then re-run exactly: ${rerunCommand}`
  );
}
