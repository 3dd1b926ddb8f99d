// The two budgets: order creation (what Runa rate-limits, failed requests included) and polling
// (undocumented limits; kept polite and apart so polls never eat the order budget).
// The order budget belongs to the API key, not to this process: with a Redis URL, every process
// using the same key (on any host) draws from one Bottleneck limiter kept in Redis.
import { createHash } from "node:crypto";
import Bottleneck from "bottleneck";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { POLLS_PER_SECOND } from "../config.ts";
import { UsageError } from "../errors.ts";

/**
 * Spacing POSTs by 60 000 / rate ms keeps any 60-second window at or under `rate` when the server
 * sees them as we send them; 1.5 % more spacing absorbs network jitter, so a server counting in a
 * strict sliding window never refuses us, at a cost of under 2 % of the budget.
 */
export const RATE_SAFETY_MARGIN = 0.015;
/** POSTs under way at once (across all processes when shared): async mode answers fast, so a few cover the latency. */
export const MAX_CONCURRENT_POSTS = 4;
const MAX_CONCURRENT_POLLS = 4;
/** How long to wait for Redis at the start before refusing to run. */
const REDIS_CONNECT_TIMEOUT_MS = 5_000;
/**
 * Bottleneck deletes a shared limiter's state after this long with no process connected. Longer
 * than any spacing, so a process starting later still sees when the last POST went out.
 */
const SHARED_STATE_IDLE_MS = 10 * 60_000;
/** Bottleneck 2.x keeps a limiter's settings in this Redis hash (lib/RedisDatastore.js). */
const bottleneckSettingsKey = (id: string): string => `b_${id}_settings`;

export function orderSpacingMs(ordersPerMinute: number): number {
  return Math.ceil((60_000 / ordersPerMinute) * (1 + RATE_SAFETY_MARGIN));
}

export function createOrderLimiter(ordersPerMinute: number): Bottleneck {
  return new Bottleneck({ minTime: orderSpacingMs(ordersPerMinute), maxConcurrent: MAX_CONCURRENT_POSTS });
}

export function createPollLimiter(pollsPerSecond = POLLS_PER_SECOND): Bottleneck {
  return new Bottleneck({ minTime: Math.ceil(1000 / pollsPerSecond), maxConcurrent: MAX_CONCURRENT_POLLS });
}

/**
 * The name of an API key's shared budget: the API base URL (keys are per environment) and a
 * sha256 of the key, so Redis and its logs never see the key. Domain-separated, so the hash is of
 * no use anywhere else.
 */
export function orderBudgetId(baseUrl: string, apiKey: string): string {
  const keyHash = createHash("sha256").update(`runa-batch/order-budget/v1\n${apiKey}`, "utf8").digest("hex");
  return `runa-batch:orders:${baseUrl.replace(/\/+$/, "").toLowerCase()}:${keyHash}`;
}

/**
 * A 429 pause every process sharing the budget honours: the account is over its limit, whichever
 * process saw it. Kept as a Redis key's time to live, so hosts' clocks do not matter.
 */
export interface SharedPause {
  /** Milliseconds left of the current pause (0 when there is none). */
  remainingMs(): Promise<number>;
  /** Pauses every process for at least `ms` from now; never shortens a longer pause. */
  extend(ms: number): Promise<void>;
}

export interface OrderBudget {
  limiter: Bottleneck;
  /** The Redis limiter id when shared, else undefined. */
  sharedId?: string;
  /** Set when shared: the 429 pause of every process using the budget. */
  pause?: SharedPause;
  /** Disconnects from Redis (a no-op for a local budget); the process cannot exit before this. */
  close(): Promise<void>;
}

export interface OrderBudgetOptions {
  ordersPerMinute: number;
  /** Share the budget through Redis; without it the budget is this process's alone. */
  redisUrl?: string | undefined;
  baseUrl: string;
  /** Only hashed into the budget's id, never kept. */
  apiKey: string;
  log?: Logger;
}

/**
 * The order limiter for a run. Local: `ordersPerMinute` for this process, as before. Shared: one
 * Bottleneck cluster limiter in Redis, so all processes together keep to `ordersPerMinute`.
 * Bottleneck stamps each reservation with the calling host's clock, so hosts sharing a budget need
 * clocks within about a second of each other (NTP does far better): the safety margin covers that.
 * If processes were started with different rates, the stricter one applies to all of them.
 */
export async function openOrderBudget(options: OrderBudgetOptions): Promise<OrderBudget> {
  const id = orderBudgetId(options.baseUrl, options.apiKey);
  if (options.redisUrl === undefined || options.redisUrl === "") {
    return { limiter: createOrderLimiter(options.ordersPerMinute), close: async () => undefined };
  }
  const where = redactedUrl(options.redisUrl);
  if (!/^rediss?:\/\/./i.test(options.redisUrl))
    throw new UsageError(`--redis-url must be a redis:// or rediss:// URL, got ${where}`);
  const spacing = orderSpacingMs(options.ordersPerMinute);
  const { Redis } = await import("ioredis"); // only runs with --redis-url load it
  // Not lazyConnect: Bottleneck's subscriber is a duplicate of this client and must connect by itself.
  const client = new Redis(options.redisUrl, {
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    // Fail a command after a few reconnect attempts instead of queueing it forever; Bottleneck
    // then keeps the job queued and retries, so nothing is sent outside the shared budget.
    maxRetriesPerRequest: 3,
  });
  client.on("error", (error: Error) => options.log?.warn({ redis: where, err: error.message }, "redis error"));
  try {
    await withTimeout(
      // The first error (refused, bad password, unknown host) ends the wait: better to refuse now
      // than to let ioredis retry while the user wonders why nothing happens.
      new Promise<void>((resolve, reject) => {
        if (client.status === "ready") return resolve();
        client.once("ready", () => resolve());
        client.once("error", reject);
      }),
      REDIS_CONNECT_TIMEOUT_MS,
      "connect",
    );
  } catch (error) {
    client.disconnect();
    throw new UsageError(
      `cannot reach Redis at ${where} for the shared order budget: ${error instanceof Error ? error.message : String(error)}. Nothing was sent.`,
      "redis_unreachable",
      { cause: error },
    );
  }

  const connection = new Bottleneck.IORedisConnection({ client, Redis });
  recogniseSentinelErrors(connection);
  const limiter = new Bottleneck({
    id,
    datastore: "ioredis",
    connection,
    clearDatastore: false, // other processes may be using it right now
    minTime: spacing,
    maxConcurrent: MAX_CONCURRENT_POSTS,
    timeout: Math.max(SHARED_STATE_IDLE_MS, 2 * spacing),
  });
  const onError = (error: unknown): void =>
    options.log?.error(
      { redis: where, err: error instanceof Error ? error.message : String(error) },
      "shared order budget error; orders wait until Redis answers",
    );
  limiter.on("error", onError);
  connection.on("error", onError);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    // Bottleneck's disconnect can throw or return nothing depending on its state: never let
    // closing stop the process from exiting.
    for (const step of [() => limiter.disconnect(true), () => connection.disconnect(true)]) {
      try {
        await step();
      } catch {
        // already gone
      }
    }
    client.disconnect();
  };
  try {
    await withTimeout(limiter.ready(), REDIS_CONNECT_TIMEOUT_MS, "set up the limiter");
    await adoptStricterSpacing(client, limiter, id, spacing, options.log);
  } catch (error) {
    await close();
    throw new UsageError(
      `cannot set up the shared order budget in Redis at ${where}: ${error instanceof Error ? error.message : String(error)}. Nothing was sent.`,
      "redis_unreachable",
      { cause: error },
    );
  }
  options.log?.info({ redis: where, limiterId: id, minTimeMs: spacing }, "order budget shared through redis");
  return { limiter, sharedId: id, pause: sharedPause(client, `${id}:paused`, options.log), close };
}

/** Sets the key's time to live to `ms` unless it already lives longer: one atomic step. */
const EXTEND_PAUSE_SCRIPT = `local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

function sharedPause(client: Redis, key: string, log: Logger | undefined): SharedPause {
  // A Redis fault must not stop the run here: the local pause still holds, and the limiter itself
  // waits for Redis before any POST.
  const warn = (error: unknown): void =>
    log?.warn(
      { err: error instanceof Error ? error.message : String(error) },
      "shared 429 pause unavailable; pausing this process only",
    );
  return {
    remainingMs: async () => {
      try {
        return Math.max(0, await client.pttl(key));
      } catch (error) {
        warn(error);
        return 0;
      }
    },
    extend: async (ms) => {
      try {
        await client.eval(EXTEND_PAUSE_SCRIPT, 1, key, String(Math.max(1, Math.ceil(ms))));
      } catch (error) {
        warn(error);
      }
    },
  };
}

/**
 * The first process to create a shared limiter stores its settings in Redis; later ones use those
 * (Bottleneck's clustering rule). A second process with a different --rate would silently follow
 * the first, which is unsafe when it asked for less. So whichever spacing is longer wins for all.
 */
async function adoptStricterSpacing(
  client: Redis,
  limiter: Bottleneck,
  id: string,
  spacing: number,
  log: Logger | undefined,
): Promise<void> {
  const text = await client.hget(bottleneckSettingsKey(id), "minTime");
  const stored = text === null ? Number.NaN : Number(text);
  if (!Number.isFinite(stored) || stored === spacing) return; // just created by us, or unreadable
  if (stored > spacing) {
    log?.warn(
      { storedMinTimeMs: stored, minTimeMs: spacing },
      "another process shares this API key at a lower --rate; following it",
    );
    return;
  }
  log?.warn(
    { storedMinTimeMs: stored, minTimeMs: spacing },
    "another process shares this API key at a higher --rate; slowing every process to this run's rate",
  );
  limiter.updateSettings({ minTime: spacing });
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (Number(await client.hget(bottleneckSettingsKey(id), "minTime")) >= spacing) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("the stricter rate could not be stored");
}

/**
 * Bottleneck 2.19.5 recovers from two conditions its Lua scripts report, an expired settings key
 * (SETTINGS_KEY_NOT_FOUND: re-init) and a client others declared dead after 10 s without a
 * heartbeat (UNKNOWN_CLIENT: re-register), by comparing the error message exactly. Redis 7 prefixes
 * "ERR " to those replies, so the comparison never matches and the limiter stalls for good
 * (SGrondin/bottleneck#205, #212, #215). Stripping the prefix of exactly these two replies restores
 * Bottleneck's own recovery; every other error passes through untouched.
 */
function recogniseSentinelErrors(connection: Bottleneck.IORedisConnection): void {
  const internals = connection as unknown as { __scriptFn__(name: string): (...args: unknown[]) => unknown };
  const original = internals.__scriptFn__.bind(connection);
  internals.__scriptFn__ = (name) => {
    const script = original(name);
    return (...args) => {
      const callback = args.pop() as (error: Error | null, replies: unknown) => void;
      return script(...args, (error: Error | null, replies: unknown) => {
        const sentinel = error ? /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/.exec(error.message)?.[1] : undefined;
        if (error && sentinel) error.message = sentinel;
        callback(error, replies);
      });
    };
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s (${what})`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The URL without a password, for messages and logs. */
function redactedUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable Redis URL)";
  }
}
