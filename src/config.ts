// Defaults as named constants (units in the names), and how the connection to Runa is resolved:
// flags first, then environment variables.
import { readFileSync, statSync } from "node:fs";
import { UsageError } from "./errors.ts";

export const ORDERS_PER_MINUTE = 60;
export const POLL_TIMEOUT_MS = 10 * 60_000;
export const POLL_FIRST_DELAY_MS = 1_500;
export const POLL_MAX_DELAY_MS = 30_000;
/** GET /order/{id} calls per second, kept apart from the order-creation budget. */
export const POLLS_PER_SECOND = 5;
/** Runa documents no Retry-After on 429: wait at least 5 s, then longer. */
export const RATE_LIMITED_MIN_DELAY_MS = 5_000;
export const RETRY_BASE_DELAY_MS = 1_000;
export const RETRY_MAX_DELAY_MS = 60_000;
/** Attempts per order before a transient failure ends the row as ERROR (its key is kept for a re-run). */
export const MAX_POST_ATTEMPTS = 8;
/** Runa keeps an idempotency key's request and response for 30 days; after that the key places a NEW order. */
export const IDEMPOTENCY_WINDOW_MS = 30 * 24 * 60 * 60_000;

export const ENVIRONMENTS = {
  playground: "https://playground.runa.io/v2",
  production: "https://api.runa.io/v2",
} as const;
export type Environment = keyof typeof ENVIRONMENTS;

/**
 * Scales every wait of ours (retry backoff, poll delays). 1 in real use; tests and rehearsals set
 * RUNA_BATCH_TIME_SCALE=0.01 so a 5 s back-off takes 50 ms. The order rate is set by --rate instead.
 */
export function timeScale(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.RUNA_BATCH_TIME_SCALE;
  if (raw === undefined || raw === "") return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new UsageError(`RUNA_BATCH_TIME_SCALE must be a number in (0, 1], got "${raw}"`);
  return value;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** Runa refuses plain HTTP; we allow it only for a simulator on this machine. */
export function checkBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--base-url "${text}" is not a URL`);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith("127.");
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new UsageError(`--base-url must use https:// (plain http:// is allowed only for localhost), got ${url.origin}`);
  }
  return text.replace(/\/+$/, "");
}

/** `baseUrl` comes already resolved from flag, RUNA_BASE_URL or the config file (config-file.ts). */
export function resolveBaseUrl(options: { env: Environment; baseUrl?: string | undefined }): string {
  return options.baseUrl ? checkBaseUrl(options.baseUrl) : ENVIRONMENTS[options.env];
}

/**
 * Reads the API key from --api-key-file (owner-only file), RUNA_API_KEY, else `configKey` (from an
 * owner-only config file, see config-file.ts). Never from a flag value.
 */
export function resolveApiKey(options: { apiKeyFile?: string | undefined; configKey?: string | undefined }, env: NodeJS.ProcessEnv = process.env): string {
  if (options.apiKeyFile) {
    const mode = statSync(options.apiKeyFile).mode;
    if (mode & 0o077) throw new UsageError(`${options.apiKeyFile} is readable by others; run: chmod 600 ${options.apiKeyFile}`);
    const key = readFileSync(options.apiKeyFile, "utf8").trim();
    if (!key) throw new UsageError(`${options.apiKeyFile} is empty`);
    return key;
  }
  const key = env.RUNA_API_KEY?.trim() || options.configKey;
  if (!key) throw new UsageError("No API key: set RUNA_API_KEY, pass --api-key-file, or rehearse with --simulate");
  return key;
}
