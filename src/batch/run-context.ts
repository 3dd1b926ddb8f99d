// What the pipeline's steps share during one run: the edges (client, journal, limiters, clock,
// logger) injected from outside, and the counters the summary is made from.
import type Bottleneck from "bottleneck";
import type { Logger } from "pino";
import type { BatchJournal } from "../journal/batch-journal.ts";
import type { SharedPause } from "./limiters.ts";
import type { RunaClient } from "../runa/client.ts";
import type { AccountWideErrorType, RetryReason } from "../runa/retry-policy.ts";

export interface RunCounters {
  posts: number;
  retries: Record<RetryReason, number>;
  polls: number;
  accepted: number;
  settled: number;
  rejected: number;
  unresolved: number;
  firstPostAt?: number;
  lastSettledAt?: number;
}

export interface AccountStopCause {
  type: AccountWideErrorType;
  status: number;
  message: string;
  /** The order whose answer it was. */
  key: string;
}

export interface RunContext {
  client: RunaClient;
  journal: BatchJournal;
  orderLimiter: Bottleneck;
  pollLimiter: Bottleneck;
  log: Logger;
  /** Multiplies every wait of ours (1 in real use; small in tests). */
  timeScale: number;
  pollTimeoutMs: number;
  /** Aborted on the first SIGINT/SIGTERM: no new POST starts, polls end, results are written. */
  stop: AbortSignal;
  /**
   * Aborted by `stop` or by an account-wide refusal: no new POST starts, but orders already
   * accepted are still polled to the end.
   */
  sending: AbortController;
  /** The first account-wide refusal (see ACCOUNT_WIDE_ERRORS), which halted sending. */
  accountStop?: AccountStopCause;
  counters: RunCounters;
  /** After a 429 nobody sends until this time (ms since epoch): the whole account is over its budget. */
  pausedUntil: number;
  /** With a shared budget (--redis-url): the same pause for every process using it. */
  sharedPause?: SharedPause;
  now: () => number;
  /** Told of each change of an order's state, e.g. to draw progress (see RunDependencies.onProgress). */
  onProgress?: (event: ProgressEvent) => void;
}

/**
 * What happened to one order, for a progress display. `rows` is how many input rows the order holds
 * (more than one with --items-per-order); `counters` is the run's live tally (posts, retries, 429s).
 */
export type ProgressEvent = { counters: Readonly<RunCounters> } & (
  | { type: "planned"; counts: { done: number; poll: number; repost: number; new: number } }
  | { type: "sent"; outcome: "accepted" | "rejected" | "unresolved" | "stopped"; rows: number }
  | { type: "polled"; outcome: "COMPLETED" | "FAILED" | "pending" | "stopped"; rows: number }
);

export function newCounters(): RunCounters {
  return {
    posts: 0,
    retries: { network: 0, server_error: 0, rate_limited: 0, in_progress: 0, unrecognised: 0 },
    polls: 0,
    accepted: 0,
    settled: 0,
    rejected: 0,
    unresolved: 0,
  };
}

/** Waits `ms`, or less if the run is told to stop. Resolves false when stopped. */
export function pause(ms: number, stop: AbortSignal): Promise<boolean> {
  if (stop.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => {
        stop.removeEventListener("abort", onAbort);
        resolve(true);
      },
      Math.max(0, ms),
    );
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    stop.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A job still waiting for its slot when the run is told to stop (`signal`) is dropped from the
 * limiter (see run-batch), which rejects it: that is a stop, not a failure. Nothing was sent for it.
 */
export async function stoppable<T>(signal: AbortSignal, job: () => Promise<T>): Promise<T | undefined> {
  try {
    return await job();
  } catch (error) {
    if (signal.aborted) return undefined;
    throw error;
  }
}
