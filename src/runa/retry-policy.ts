// The one place that decides whether an attempt is retried, and after how long. Pure and
// table-tested. Runa's rule: 5xx and network errors are retried with the SAME key (the request may
// or may not have arrived; the key makes a second arrival harmless); a 4xx is final.
import { RATE_LIMITED_MIN_DELAY_MS, RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from "../config.ts";
import type { Attempt } from "./client.ts";

export type Verdict =
  | { verdict: "success" }
  | { verdict: "retry"; reason: RetryReason }
  | { verdict: "final"; status: number; type: string; message: string };

export type RetryReason = "network" | "server_error" | "rate_limited" | "in_progress";

export function judge(attempt: Attempt<unknown>): Verdict {
  if (attempt.kind === "ok") return { verdict: "success" };
  if (attempt.kind === "network") return { verdict: "retry", reason: "network" };
  const { status, error } = attempt;
  if (status === 429) return { verdict: "retry", reason: "rate_limited" };
  // The first request with this key is still being processed: documented as HTTP 102 and as 400.
  if (status === 102 || error.type === "idempotency_in_progress") return { verdict: "retry", reason: "in_progress" };
  if (status >= 500) return { verdict: "retry", reason: "server_error" };
  return { verdict: "final", status, type: error.type, message: error.message };
}

/**
 * Delay before retry number `retry` (1 for the first retry). Exponential with a cap and full
 * jitter on the upper half; 429s wait at least 5 s (Runa sends no Retry-After) and longer while
 * they continue. `scale` shrinks every wait for tests and rehearsals.
 */
export function retryDelayMs(reason: RetryReason, retry: number, scale = 1, random: () => number = Math.random): number {
  const floor = reason === "rate_limited" ? RATE_LIMITED_MIN_DELAY_MS : RETRY_BASE_DELAY_MS;
  const ceiling = Math.min(RETRY_MAX_DELAY_MS, floor * 2 ** (retry - 1));
  const jittered = ceiling / 2 + (random() * ceiling) / 2;
  return Math.round(Math.max(reason === "rate_limited" ? floor : 0, jittered) * scale);
}
