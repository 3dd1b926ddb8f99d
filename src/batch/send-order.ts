// Sends one order until Runa answers for good. Every attempt reuses the same key and the same body
// bytes, goes through the order limiter (Runa counts failed requests too) and is journaled before
// it leaves, so a crash at any instant leaves a record that says "outcome unknown: re-post this key".
import { MAX_POST_ATTEMPTS, MAX_WAIT_ANSWERS } from "../config.ts";
import type { Attempt, HttpErrorDetail } from "../runa/client.ts";
import { isAccountWide, judge, retryDelayMs, type RetryReason } from "../runa/retry-policy.ts";
import { crashPoint } from "../journal/crash-points.ts";
import type { OrderState } from "../journal/journal-state.ts";
import { isStuckKey, STUCK_KEY } from "./plan-row.ts";
import { pause, stoppable, type RunContext } from "./run-context.ts";

export type SendOutcome = "accepted" | "rejected" | "unresolved" | "stopped";

/** A POST not sent because senders are paused after a 429 (this process's or a shared one). */
interface SharedPauseSeen {
  kind: "paused";
  ms: number;
}

/** 422 details shown per row: enough to name the problem, short enough for a CSV cell. */
const MAX_DETAILS_SHOWN = 5;

export async function sendOrder(context: RunContext, order: OrderState): Promise<SendOutcome> {
  const { journal, client, log, counters } = context;
  const sending = context.sending.signal;
  let lastError = { type: "not_sent", message: "" };
  let failures = 0; // answers that may mean the request failed: 5xx, network, not from Runa
  let waits = 0; // 429 and "in progress": Runa has not taken the order up, or not finished it yet
  while (failures < MAX_POST_ATTEMPTS && waits < MAX_WAIT_ANSWERS) {
    const wait = context.pausedUntil - context.now();
    if (wait > 0 && !(await pause(wait, sending))) return "stopped";
    let rateLimitedPauseMs = 0;
    const result = await stoppable(sending, () =>
      context.orderLimiter.schedule(
        async (): Promise<Attempt<{ id: string; status: string }> | SharedPauseSeen | undefined> => {
          // Checked inside the limiter: a job queued before the stop must not start after it.
          if (sending.aborted) return undefined;
          // A 429 seen since this job was queued, here or by another process sharing the budget: the
          // account is over its limit for everyone.
          const pausedMs = Math.max(
            context.pausedUntil - context.now(),
            (await context.sharedPause?.remainingMs()) ?? 0,
          );
          if (pausedMs > 0) return { kind: "paused", ms: pausedMs };
          journal.posting(order.key, order.posts + 1);
          crashPoint("before-post");
          counters.posts += 1;
          counters.firstPostAt ??= context.now();
          const answer = await client.createOrder(order.body, order.key);
          // Still inside the limiter: the next queued job sees the halt or the pause before it can start.
          haltOnAccountWideRefusal(context, order, answer);
          const judged = judge(answer);
          if (judged.verdict === "retry" && judged.reason === "rate_limited") {
            rateLimitedPauseMs = retryDelayMs("rate_limited", waits + 1, context.timeScale);
            context.pausedUntil = Math.max(context.pausedUntil, context.now() + rateLimitedPauseMs);
            await context.sharedPause?.extend(rateLimitedPauseMs);
          }
          return answer;
        },
      ),
    );
    if (!result) return "stopped";
    if (result.kind === "paused") {
      // Nothing was sent: wait out the shared pause, then try again without using up an attempt.
      context.pausedUntil = Math.max(context.pausedUntil, context.now() + result.ms);
      continue;
    }
    crashPoint("after-post");

    const verdict = judge(result);
    if (verdict.verdict === "success" && result.kind === "ok" && typeof result.body?.id === "string") {
      journal.accepted(order.key, result.body.id);
      crashPoint("accepted");
      counters.accepted += 1;
      log.info({ key: order.key, orderId: result.body.id, rows: order.rows.map((row) => row.row) }, "order accepted");
      return "accepted";
    }
    if (verdict.verdict === "final" && result.kind === "http_error") {
      const message = describeRefusal(result.error);
      journal.rejected(order.key, verdict.status, verdict.type, message);
      counters.rejected += 1;
      const details = result.error.details;
      log.warn(
        {
          key: order.key,
          status: verdict.status,
          errorType: verdict.type,
          errorMessage: message,
          ...(details ? { details } : {}),
          rows: order.rows.map((row) => row.row),
        },
        "order rejected",
      );
      return "rejected";
    }
    const reason = verdict.verdict === "retry" ? verdict.reason : "server_error"; // a 2xx without an id: ask again
    lastError =
      result.kind === "http_error"
        ? result.error
        : result.kind === "ok"
          ? { type: "bad_response", message: "accepted without an order id" }
          : { type: result.code, message: result.message };
    if (result.kind === "http_error" && result.status >= 500) {
      journal.serverError(order.key, result.status, result.error.type);
      if (isStuckKey(order)) {
        journal.unresolved(
          order.key,
          STUCK_KEY,
          `Runa answered this key ${order.serverErrorStreak} times in a row with ${result.status} ${result.error.type}, over more than one run: it looks stuck on a stored error, which Runa replays for the key's 30 days`,
        );
        counters.unresolved += 1;
        log.error(
          {
            key: order.key,
            status: result.status,
            errorType: result.error.type,
            rows: order.rows.map((row) => row.row),
          },
          "idempotency key looks stuck on a replayed 5xx; not retried",
        );
        return "unresolved";
      }
    }
    counters.retries[reason] += 1;
    const retry = isWait(reason) ? (waits += 1) : (failures += 1);
    // A 429 already paused every sender (inside the limiter, above); the others back off alone.
    const delay = reason === "rate_limited" ? rateLimitedPauseMs : retryDelayMs(reason, retry, context.timeScale);
    log.warn(
      { key: order.key, attempt: failures + waits, reason, errorType: lastError.type, delayMs: delay },
      "order attempt will be retried",
    );
    if (!(await pause(delay, sending))) return "stopped";
  }
  const gaveUp =
    failures >= MAX_POST_ATTEMPTS
      ? `gave up after ${MAX_POST_ATTEMPTS} attempts`
      : `gave up after ${MAX_WAIT_ANSWERS} answers of 429 or "in progress"`;
  journal.unresolved(order.key, lastError.type, `${gaveUp}: ${lastError.message}`);
  counters.unresolved += 1;
  return "unresolved";
}

/** Answers that say "not yet" rather than "failed": they use no attempt, only a wait. */
function isWait(reason: RetryReason): boolean {
  return reason === "rate_limited" || reason === "in_progress";
}

/** On the first account-wide refusal nothing more is sent: every later order would draw the same answer. */
function haltOnAccountWideRefusal(context: RunContext, order: OrderState, answer: Attempt<unknown>): void {
  const verdict = judge(answer);
  if (verdict.verdict !== "final" || !isAccountWide(verdict.type) || context.accountStop) return;
  context.accountStop = { type: verdict.type, status: verdict.status, message: verdict.message, key: order.key };
  context.sending.abort();
}

/** Runa's message, with the location and message of each 422 detail (the part that names the field). */
export function describeRefusal(error: HttpErrorDetail): string {
  const details = error.details ?? [];
  if (details.length === 0) return error.message;
  const shown = details.slice(0, MAX_DETAILS_SHOWN).map((detail) => {
    const location = Array.isArray(detail.location) ? detail.location.join(".") : "";
    return location ? `${location}: ${detail.message}` : String(detail.message);
  });
  const more = details.length > shown.length ? ` (and ${details.length - shown.length} more)` : "";
  return `${error.message}: ${shown.join("; ")}${more}`;
}
