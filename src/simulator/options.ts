// Options of the local Runa API simulator, with every default as a named constant.

/** Runa's order-creation design target (the async guide's figure; current docs say 300 and "may change"). */
export const DEFAULT_ORDERS_PER_MINUTE = 60;
/** The playground keeps an async order PROCESSING for about one second. */
export const DEFAULT_COMPLETION_DELAY_MS = 1_000;
export const DEFAULT_FAILURE_RATE = 0;
/** Starting balance in every catalog currency: generous, so only tests that mean it run out. */
export const DEFAULT_BALANCE = "1000000.00";
export const DEFAULT_SEED = 20240205;
/** Slow orders (faults.slowCompletionRate) stay PROCESSING this many times completionDelayMs. */
export const SLOW_COMPLETION_FACTOR = 10;
/** Runa keeps an idempotency key's request and response for 30 days. */
export const IDEMPOTENCY_TTL_MS = 30 * 24 * 60 * 60 * 1_000;
export const RATE_WINDOW_MS = 60_000;
/** Simulated payout links expire a year after issue: the simulator's choice, Runa documents no period. */
export const PAYOUT_EXPIRY_MS = 365 * 24 * 60 * 60 * 1_000;
export const SIMULATOR_HOST = "127.0.0.1";

export interface Clock {
  now(): number;
}

/**
 * Bursts of 429 `{"error":"rate exceeded"}` that ignore the sliding window. POST /order requests are
 * numbered from 1 as they arrive (every one, whatever its outcome); in each run of `every` requests
 * the last `length` are refused. `{every: 10, length: 3}` refuses requests 8, 9, 10, 18, 19, 20, ...
 * so a client retrying at once meets the rest of the burst: it tests backoff, not a single retry.
 */
export interface RateLimitBurst {
  every: number;
  length: number;
}

/** Failure injection. Every share is a probability in [0, 1] drawn from the seeded random. */
export interface SimulatorFaults {
  /** POST /order answered 500 before anything is committed or stored: a retry with the same key creates the order. */
  serverErrorRate?: number;
  /**
   * Runa stores a key's answer and replays it for 30 days, "including 4xx and 5xx errors". With this
   * on, the injected 500 is stored for the key like any answer: every retry of that key gets it again.
   */
  storeServerErrors?: boolean;
  /** POST /order that creates an order answered 504 after the commit; the stored response is the success, so a retry with the same key replays it. */
  timeoutRate?: number;
  /** POST /order that creates an order: committed and stored, then the socket is destroyed with no response. */
  dropAfterCommitRate?: number;
  /** Added before answering every request (on POST /order the key is in flight meanwhile). */
  latencyMs?: number;
  rateLimitBurst?: RateLimitBurst;
  /** Async orders that stay PROCESSING SLOW_COMPLETION_FACTOR times completionDelayMs. */
  slowCompletionRate?: number;
  /** POST /order answered 400 idempotency_in_progress as if the key were in flight; nothing is committed or stored. */
  idempotencyInProgressRate?: number;
}

export interface SimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** When set, only this key is accepted; otherwise any non-empty X-Api-Key is. */
  apiKey?: string;
  ordersPerMinute?: number;
  /** How long an async order stays PROCESSING. */
  completionDelayMs?: number;
  /** Share of async orders that end FAILED (the simulator returns their price to the balance: its own choice, Runa documents no refund). */
  failureRate?: number;
  /** Starting balances, decimal strings by currency. Default: DEFAULT_BALANCE in each catalog currency. */
  balances?: Record<string, string>;
  clock?: Clock;
  /** Source of fault and failure decisions. Default: a PRNG seeded with `seed`. */
  random?: () => number;
  seed?: number;
  faults?: SimulatorFaults;
  /**
   * Behave as Runa's playground: an order is accepted whatever the balance (Runa: "use of account
   * balance to pay for an order will always be accepted"); the balance may go below zero.
   */
  playground?: boolean;
  /** Path of a catalog fixture; default fixtures/catalog.json. */
  catalogPath?: string;
}

export const systemClock: Clock = { now: () => Date.now() };
