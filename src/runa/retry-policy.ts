// The one place that decides whether an attempt is retried, and after how long. Pure and
// table-tested. Runa's rule: 5xx and network errors are retried with the SAME key (the request may
// or may not have arrived; the key makes a second arrival harmless); a 4xx is final. Only an answer
// in Runa's own error shape proves Runa refused: anything else (a proxy's HTML 408, a truncated
// body) says nothing about whether the order was committed, so it is retried like a network error.
import { RATE_LIMITED_MIN_DELAY_MS, RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from "../config.ts";
import type { Attempt } from "./client.ts";
import { errorTypeIs, type RunaErrorType } from "./error-types.ts";

export type Verdict =
  | { verdict: "success" }
  | { verdict: "retry"; reason: RetryReason }
  | { verdict: "final"; status: number; type: string; message: string };

/** `unrecognised`: an HTTP answer without Runa's error body, or with a status Runa never answers. */
export type RetryReason = "network" | "server_error" | "rate_limited" | "in_progress" | "unrecognised";

/** The 4xx statuses Runa documents for a final refusal; any other 4xx came from something in between. */
const FINAL_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404, 410, 422]);

export function judge(attempt: Attempt<unknown>): Verdict {
  if (attempt.kind === "ok") return { verdict: "success" };
  if (attempt.kind === "network") return { verdict: "retry", reason: "network" };
  if (attempt.kind === "unrecognised") return { verdict: "retry", reason: "unrecognised" };
  const { status, error } = attempt;
  if (status === 429) return { verdict: "retry", reason: "rate_limited" };
  // The first request with this key is still being processed: documented as HTTP 102 and as 400.
  if (status === 102 || errorTypeIs(error.type, "idempotency_in_progress"))
    return { verdict: "retry", reason: "in_progress" };
  if (status >= 500) return { verdict: "retry", reason: "server_error" };
  if (!FINAL_STATUSES.has(status)) return { verdict: "retry", reason: "unrecognised" };
  return { verdict: "final", status, type: error.type, message: error.message };
}

/** Why an account-wide refusal stops the whole run, and what the user must do about it. */
export interface AccountStop {
  cause: string;
  fix: string;
}

/**
 * Refusals about the account, not the order: every later order would draw the same answer, burn a
 * key generation and a rate slot. On the first one the run sends nothing more.
 */
export const ACCOUNT_WIDE_ERRORS = {
  insufficient_funds: { cause: "the account balance is too low", fix: "top up the account balance" },
  ordering_restricted: {
    cause: "the account's spending limit is reached",
    fix: "have the spending limit raised with Runa",
  },
  payment_method_unavailable: {
    cause: "the account cannot pay in this currency",
    fix: "ask Runa to enable a balance in this currency",
  },
  unauthorized: {
    cause: "Runa refused the API key",
    fix: "check RUNA_API_KEY / --api-key-file and --env (keys are per environment)",
  },
  invalid_api_key: {
    cause: "Runa refused the API key",
    fix: "check RUNA_API_KEY / --api-key-file and --env (keys are per environment)",
  },
  forbidden: { cause: "the API key may not place orders", fix: "check the key's permissions in the Runa dashboard" },
  version_removed: { cause: "Runa removed the API version this tool speaks", fix: "upgrade runa-batch" },
} as const satisfies Partial<Record<RunaErrorType, AccountStop>>;

export type AccountWideErrorType = keyof typeof ACCOUNT_WIDE_ERRORS;

export function isAccountWide(type: string): type is AccountWideErrorType {
  return Object.hasOwn(ACCOUNT_WIDE_ERRORS, type);
}

/**
 * Delay before retry number `retry` (1 for the first retry). Exponential with a cap and full
 * jitter on the upper half; 429s wait at least 5 s (Runa sends no Retry-After) and longer while
 * they continue. `scale` shrinks every wait for tests and rehearsals.
 */
export function retryDelayMs(
  reason: RetryReason,
  retry: number,
  scale = 1,
  random: () => number = Math.random,
): number {
  const floor = reason === "rate_limited" ? RATE_LIMITED_MIN_DELAY_MS : RETRY_BASE_DELAY_MS;
  const ceiling = Math.min(RETRY_MAX_DELAY_MS, floor * 2 ** (retry - 1));
  const jittered = ceiling / 2 + (random() * ceiling) / 2;
  return Math.round(Math.max(reason === "rate_limited" ? floor : 0, jittered) * scale);
}
