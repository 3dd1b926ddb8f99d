// Structured logs (pino, JSON lines) for the run: to an owner-only file, and to stderr when no
// person is watching (cron). Secrets never reach a log: the API key and payout links are redacted
// by path, and log calls name rows by number, never by recipient.
import { openSync } from "node:fs";
import pino, { type Logger } from "pino";

const REDACTED_PATHS = [
  "apiKey",
  "*.apiKey",
  "headers['x-api-key']",
  "*.headers['x-api-key']",
  "url",
  "*.url",
  "redemption_url",
  "*.redemption_url",
  "email",
  "*.email",
  "email_address",
  "*.email_address",
];

export interface LogOptions {
  file?: string;
  batchId: string;
  /** Also write JSON lines to stderr (when stderr is not a terminal). */
  toStderr: boolean;
}

export function createLogger(options: LogOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (options.file) streams.push({ stream: pino.destination({ dest: openSync(options.file, "a", 0o600), sync: true }) });
  if (options.toStderr) streams.push({ stream: pino.destination({ dest: 2, sync: true }) });
  if (streams.length === 0) return pino({ level: "silent" });
  return pino({ level: "info", base: { batchId: options.batchId }, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, pino.multistream(streams));
}
