// The end-of-run summary: for the person at the terminal, and as JSON for machines.
import type { RunSummary } from "../batch/run-batch.ts";
import { writeFileAtomically } from "../csv/safe-file.ts";
import { Readable } from "node:stream";

export interface SummaryContext {
  logFile?: string;
  rerunCommand: string;
}

/** Orders per minute between the first POST and the last order settled in this run. */
export function ordersPerMinute(summary: RunSummary): number | undefined {
  const { firstPostAt, lastSettledAt, accepted } = summary.counters;
  if (firstPostAt === undefined || lastSettledAt === undefined || accepted < 2) return undefined;
  const minutes = (lastSettledAt - firstPostAt) / 60_000;
  return minutes > 0 ? accepted / minutes : undefined;
}

export function formatSummary(summary: RunSummary, context: SummaryContext): string {
  const lines: string[] = [];
  const statuses = Object.entries(summary.statuses).filter(([, count]) => count > 0);
  lines.push(`Batch ${summary.batchId}${summary.interrupted ? " (interrupted)" : ""}: ${statuses.map(([status, count]) => `${count} ${status}`).join(", ") || "no rows"}`);
  if (summary.alreadyCompleted > 0) lines.push(`  ${summary.alreadyCompleted} row(s) were already COMPLETED by an earlier run and were not sent again`);
  for (const total of summary.completed) {
    lines.push(`  ${total.currency}: ${total.rows} completed, face value ${total.faceValue}, charged ${total.price}`);
  }
  const { posts, retries, polls, accepted } = summary.counters;
  const rate = ordersPerMinute(summary);
  lines.push(
    `  ${accepted} order(s) accepted from ${posts} POST(s)${rate === undefined ? "" : ` at ${rate.toFixed(1)} orders/minute`}; ` +
      `retries: ${retries.network} network, ${retries.server_error} server error, ${retries.rate_limited} rate limited (429), ${retries.in_progress} in progress; ${polls} poll(s)`,
  );
  lines.push(`  elapsed ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  lines.push(`  results: ${summary.resultsFile}`);
  lines.push(`  journal: ${summary.journalFile}`);
  if (context.logFile) lines.push(`  log:     ${context.logFile}`);
  const unfinished = summary.statuses.PENDING + summary.statuses.ERROR + summary.statuses.NOT_SENT + summary.statuses.REJECTED + summary.statuses.FAILED;
  if (unfinished > 0) lines.push(`  To resume or retry, re-run exactly: ${context.rerunCommand}`);
  return `${lines.join("\n")}\n`;
}

export async function writeSummaryJson(path: string, summary: RunSummary, context: SummaryContext): Promise<void> {
  const document = { ...summary, ordersPerMinute: ordersPerMinute(summary) ?? null, logFile: context.logFile ?? null, rerunCommand: context.rerunCommand };
  await writeFileAtomically(path, Readable.from([`${JSON.stringify(document, null, 2)}\n`]));
}
