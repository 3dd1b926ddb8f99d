// Defaults as named constants (units in the names), and how the connection to Runa is resolved:
// flags first, then environment variables.
import { readFileSync, statSync } from "node:fs";
import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { OTHERS_MAY_ACCESS } from "./csv/safe-file.ts";
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
/**
 * 429 and "in progress" answers per order in one run: Runa has not decided the order yet, so they use
 * no attempt, but a run must still end (20 waits of a 429 storm, growing to 60 s, are about 16 minutes).
 */
export const MAX_WAIT_ANSWERS = 20;
/** Runa keeps an idempotency key's request and response for 30 days; after that the key places a NEW order. */
export const IDEMPOTENCY_WINDOW_MS = 30 * 24 * 60 * 60_000;
/** Rows another batch sent this many days ago or less are refused as likely double payments (--repeat-window). */
export const DEFAULT_REPEAT_WINDOW_DAYS = 25;
/**
 * Where results, error CSVs, logs and reconciliations go when no --out names a place (relative to the
 * working directory), and where journals lived before the state folder.
 */
export const DEFAULT_OUTPUT_DIRECTORY = "output";
/** Seconds between progress lines when stderr is not a terminal (--progress-interval). */
export const DEFAULT_PROGRESS_INTERVAL_S = 30;

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
  if (!Number.isFinite(value) || value <= 0 || value > 1)
    throw new UsageError(`RUNA_BATCH_TIME_SCALE must be a number in (0, 1], got "${raw}"`);
  return value;
}

/** 127.0.0.0/8 and ::1: the only addresses plain http may reach (a simulator on this machine). */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Runa refuses plain HTTP; we allow it only for a simulator on this machine: a literal loopback
 * address, or the name `localhost` (whose addresses `checkLoopbackResolution` checks before any
 * request). Anything else, such as 127.0.0.1.attacker.example, would send the key in clear text.
 */
export function checkBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--base-url "${text}" is not a URL`);
  }
  // The URL parser has already turned 127.1 or 2130706433 into 127.0.0.1, and [::1] keeps its brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const loopback = host === "localhost" || isLoopbackAddress(host);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new UsageError(
      `--base-url must use https:// (plain http:// is allowed only for localhost, 127.0.0.0/8 or [::1]), got ${url.origin}`,
    );
  }
  return text.replace(/\/+$/, "");
}

type Lookup = (hostname: string, options: { all: true }) => Promise<{ address: string }[]>;

/** Plain http to `localhost` only if every address the name has is a loopback one. */
export async function checkLoopbackResolution(baseUrl: string, lookup: Lookup = dnsLookup): Promise<void> {
  const url = new URL(baseUrl);
  if (url.protocol !== "http:" || url.hostname !== "localhost") return;
  let addresses: { address: string }[];
  try {
    addresses = await lookup(url.hostname, { all: true });
  } catch {
    throw new UsageError(
      `--base-url ${url.origin}: localhost does not resolve on this machine; use http://127.0.0.1 instead`,
    );
  }
  const outside = addresses.filter(({ address }) => !isLoopbackAddress(address));
  if (addresses.length === 0 || outside.length > 0) {
    throw new UsageError(
      `--base-url ${url.origin}: localhost resolves to ${outside.map(({ address }) => address).join(", ") || "nothing"}, not a loopback address; ` +
        "plain http would leave this machine. Use http://127.0.0.1 or https://",
    );
  }
}

/** `baseUrl` comes already resolved from flag, RUNA_BASE_URL or the config file (config-file.ts). */
export function resolveBaseUrl(options: { env: Environment; baseUrl?: string | undefined }): string {
  return options.baseUrl ? checkBaseUrl(options.baseUrl) : ENVIRONMENTS[options.env];
}

/**
 * The key file's mode. A file that is not there is named by position only: a common slip is to
 * pass the key itself as --api-key-file, and the message must not echo it.
 */
function keyFileMode(path: string): number {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    // Not kept as the cause: Node's message names the path, which may be the key itself.
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `the API key file (--api-key-file, RUNA_API_KEY_FILE or the config file's api-key-file) ${code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? "unknown error"})`}; ` +
        "its name is not repeated here in case it is the key itself. Give the path of an owner-only file that holds the key.",
    );
  }
  if (!stats.isFile())
    throw new UsageError(
      `the API key file ${path} is not a plain file; give the path of an owner-only file that holds the key`,
    );
  return stats.mode;
}

/**
 * Reads the API key from --api-key-file (owner-only file), RUNA_API_KEY, else `configKey` (from an
 * owner-only config file, see config-file.ts). Never from a flag value.
 */
export function resolveApiKey(
  options: { apiKeyFile?: string | undefined; configKey?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (options.apiKeyFile) {
    const mode = keyFileMode(options.apiKeyFile);
    if (mode & OTHERS_MAY_ACCESS)
      throw new UsageError(`${options.apiKeyFile} is readable by others; run: chmod 600 ${options.apiKeyFile}`);
    const key = readFileSync(options.apiKeyFile, "utf8").trim();
    if (!key) throw new UsageError(`${options.apiKeyFile} is empty`);
    return key;
  }
  const key = env.RUNA_API_KEY?.trim() || options.configKey;
  if (!key) throw new UsageError("No API key: set RUNA_API_KEY, pass --api-key-file, or rehearse with --simulate");
  return key;
}
