// Progress as text: a few lines for a terminal (optionally coloured) and one plain line for cron
// and CI logs. Pure functions: the caller decides where and how often they are written.
import type { ProgressView } from "./progress-tally.ts";

const BAR_WIDTH = 24;

/** SGR colours; `plain` makes every one a no-op (NO_COLOR, or no terminal). */
export interface Palette {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
}

const sgr = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
export const COLOURS: Palette = { green: sgr(32), red: sgr(31), yellow: sgr(33), dim: sgr(2) };
export const NO_COLOURS: Palette = { green: (t) => t, red: (t) => t, yellow: (t) => t, dim: (t) => t };

/** "1h02m", "4m05s", "12s". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}

function rate(view: ProgressView): string {
  return view.ordersPerMinute === undefined ? "- orders/min" : `${view.ordersPerMinute.toFixed(1)} orders/min`;
}

function timeLeft(view: ProgressView): string {
  if (view.etaMs === undefined) return "time left unknown";
  return view.etaMs < 1_500 ? "finishing" : `about ${formatDuration(view.etaMs)} left`;
}

function validated(view: ProgressView): string {
  if (!view.rows) return "";
  return `${view.rows.valid} of ${view.rows.total} row(s) valid${view.rows.invalid > 0 ? ` (${view.rows.invalid} invalid, not sent)` : ""}`;
}

/** The live display: each line is cut to `width` so nothing wraps and the redraw stays in place. */
export function formatTerminal(view: ProgressView, batchId: string, colours: Palette, width: number): string[] {
  const lines: string[] = [];
  if (view.stage !== "sending") {
    lines.push(
      `runa-batch ${batchId}: ${view.stage}${view.rows ? `; ${validated(view)}` : ""}  ${colours.dim(formatDuration(view.elapsedMs))}`,
    );
    return lines.map((line) => fit(line, width));
  }
  const share = view.toDo === 0 ? 1 : Math.min(1, view.finished / view.toDo);
  const filled = Math.round(share * BAR_WIDTH);
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
  const done = view.alreadyDone > 0 ? ` (+${view.alreadyDone} already done)` : "";
  lines.push(`runa-batch ${batchId} ${bar} ${view.finished}/${view.toDo} rows ${Math.floor(share * 100)}%${done}`);
  const bad = view.failed + view.rejected;
  lines.push(
    `  ${validated(view) || `${view.toDo} row(s) to do`} | sent ${view.sent} | ${colours.green(`completed ${view.completed}`)} | ` +
      `${bad > 0 ? colours.red(`failed ${view.failed} rejected ${view.rejected}`) : `failed ${view.failed} rejected ${view.rejected}`}` +
      `${view.unknown > 0 ? ` | ${colours.yellow(`unknown ${view.unknown}`)}` : ""}${view.pending > 0 ? ` | pending ${view.pending}` : ""}`,
  );
  const trouble =
    view.retries > 0 ? colours.yellow(`${view.retries} retries (${view.rateLimited} x 429)`) : "0 retries";
  lines.push(`  ${rate(view)} | ${trouble} | elapsed ${formatDuration(view.elapsedMs)} | ${timeLeft(view)}`);
  return lines.map((line) => fit(line, width));
}

/** One line, no escape codes: for cron mail, CI logs and `journalctl`. Starts with "progress:". */
export function formatPlain(view: ProgressView, batchId: string): string {
  if (view.stage !== "sending")
    return `progress: batch ${batchId}: ${view.stage}${view.rows ? `; ${validated(view)}` : ""}; elapsed ${formatDuration(view.elapsedMs)}`;
  return (
    `progress: batch ${batchId}: ${view.finished}/${view.toDo} rows done` +
    `${view.alreadyDone > 0 ? ` (${view.alreadyDone} already done earlier)` : ""}; sent ${view.sent}, completed ${view.completed}, ` +
    `failed ${view.failed}, rejected ${view.rejected}, unknown ${view.unknown}, pending ${view.pending}; ${rate(view)}; ` +
    `${view.retries} retries (${view.rateLimited} rate limited); elapsed ${formatDuration(view.elapsedMs)}; ${timeLeft(view)}`
  );
}

/** Cuts a line to `width` visible characters, never inside an escape sequence, and resets colour. */
export function fit(line: string, width: number): string {
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length; i += 1) {
    if (line[i] === "\x1b") {
      const end = line.indexOf("m", i);
      if (end === -1) break;
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= width) break;
    out += line[i];
    visible += 1;
  }
  return out.includes("\x1b[") && !out.endsWith("\x1b[0m") ? `${out}\x1b[0m` : out;
}
