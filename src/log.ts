// Structured logs (pino, JSON lines) for the run: to an owner-only file, and to stderr when no
// person is watching (cron). On a terminal, stderr belongs to the progress display: warnings reach
// it as one human line each (`notes`), never as raw JSON.
//
// Secrets never reach a log. Two layers: pino redacts known fields by path (the API key, the
// X-Api-Key header, payout links, email addresses), and every finished line is scrubbed as text
// (`scrubText`) before any stream sees it, so a key or link quoted inside an error message is caught too.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import pino, { type Level, type Logger } from "pino";
import { openPrivateFile, OWNER_ONLY_DIRECTORY } from "./csv/safe-file.ts";
import { quietOnClosedPipe } from "./quiet-pipes.ts";

const REDACTED = "[redacted]";

const REDACTED_PATHS = [
  "apiKey",
  "*.apiKey",
  "headers['x-api-key']",
  "*.headers['x-api-key']",
  "url",
  "*.url",
  "payout.url",
  "*.payout.url",
  "redemption_url",
  "*.redemption_url",
  "email",
  "*.email",
  "email_address",
  "*.email_address",
  "*.distribution_method.email_address",
];

export interface LogOptions {
  file?: string;
  batchId: string;
  /** Also write JSON lines to stderr (when stderr is not a terminal). */
  toStderr: boolean;
  /** The lowest level written to stderr (default info; `--quiet` passes error). */
  stderrLevel?: Level;
  /** One human line per warning or error, e.g. written above the progress display on a terminal. */
  notes?: { level: Level; write(line: string): void };
  /** Values that must never be written, e.g. the API key: replaced wherever they appear. */
  secrets?: readonly string[];
}

export function createLogger(options: LogOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (options.file)
    streams.push({ level: "info", stream: pino.destination({ dest: openLogFile(options.file), sync: true }) });
  if (options.toStderr) {
    const stderr = pino.destination({ dest: 2, sync: true });
    quietOnClosedPipe(stderr);
    streams.push({ level: options.stderrLevel ?? "info", stream: stderr });
  }
  if (options.notes) {
    const notes = options.notes;
    streams.push({ level: notes.level, stream: { write: (line: string) => notes.write(humanLine(line)) } });
  }
  if (streams.length === 0) return pino({ level: "silent" });
  const secrets = (options.secrets ?? []).filter((secret) => secret.length >= 4);
  return pino(
    {
      level: "info",
      // ISO 8601 UTC, so a person reading the log (or a spreadsheet) sees a date, not epoch milliseconds.
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { batchId: options.batchId },
      redact: {
        paths: REDACTED_PATHS,
        censor: (value: unknown, path: string[]) =>
          /email/i.test(path.at(-1) ?? "") && typeof value === "string" ? maskEmail(value) : REDACTED,
      },
      hooks: { streamWrite: (line: string) => scrubText(line, secrets) },
    },
    pino.multistream(streams),
  );
}

/** Opens (creating if need be) the log for appending, owner-only even if it existed with looser rights. */
function openLogFile(file: string): number {
  mkdirSync(dirname(file), { recursive: true, mode: OWNER_ONLY_DIRECTORY });
  return openPrivateFile(file);
}

const URL_PATTERN = /\bhttps?:\/\/[^\s"'<>\\]+/g;
const EMAIL_PATTERN = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g;
/** An API base such as https://api.runa.io/v2 is kept whole; any other path (a payout link's token) is not. */
const API_BASE_PATH = /^\/(v\d+\/?)?$/;

/** "alice@example.com" -> "a***@example.com". */
export function maskEmail(text: string): string {
  return text.replace(EMAIL_PATTERN, "$1***@$2");
}

/** Keeps a URL's origin, drops its path and query: a payout link is a bearer token for money. */
export function maskUrl(text: string): string {
  return text.replace(URL_PATTERN, (found) => {
    try {
      const url = new URL(found);
      return API_BASE_PATH.test(url.pathname) && url.search === "" ? found : `${url.origin}/${REDACTED}`;
    } catch {
      return REDACTED;
    }
  });
}

/** Removes every secret, full link and full email address from text bound for a log or terminal. */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    out = out.split(secret).join(REDACTED);
    const escaped = JSON.stringify(secret).slice(1, -1); // as it appears inside a JSON string
    if (escaped !== secret) out = out.split(escaped).join(REDACTED);
  }
  return maskEmail(maskUrl(out));
}

const LEVEL_NAMES: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warning",
  50: "error",
  60: "fatal",
};
const SHOWN_FIELDS = ["rows", "errorType", "status", "reason", "attempt", "delayMs", "orderId"] as const;

/** A JSON log line as one line for a person: "warning: order rejected (rows 5; errorType insufficient_funds)". */
export function humanLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.trimEnd();
  }
  const details = SHOWN_FIELDS.filter((field) => record[field] !== undefined).map((field) => {
    const value = record[field];
    return `${field} ${Array.isArray(value) ? value.join(", ") : String(value)}`;
  });
  const level = LEVEL_NAMES[Number(record.level)] ?? "log";
  return `${level}: ${typeof record.msg === "string" ? record.msg : ""}${details.length > 0 ? ` (${details.join("; ")})` : ""}`;
}
