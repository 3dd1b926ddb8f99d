// Sends one order until Runa answers for good. Every attempt reuses the same key and the same body
// bytes, goes through the order limiter (Runa counts failed requests too) and is journaled before
// it leaves, so a crash at any instant leaves a record that says "outcome unknown: re-post this key".
import { MAX_POST_ATTEMPTS } from "../config.ts";
import { judge, retryDelayMs } from "../runa/retry-policy.ts";
import { crashPoint } from "../journal/crash-points.ts";
import type { OrderState } from "../journal/journal-state.ts";
import { pause, stoppable, type RunContext } from "./run-context.ts";

export type SendOutcome = "accepted" | "rejected" | "unresolved" | "stopped";

export async function sendOrder(context: RunContext, order: OrderState): Promise<SendOutcome> {
  const { journal, client, log, counters } = context;
  let lastError = { type: "not_sent", message: "" };
  for (let attempt = 1; attempt <= MAX_POST_ATTEMPTS; attempt += 1) {
    const wait = context.pausedUntil - context.now();
    if (wait > 0 && !(await pause(wait, context.stop))) return "stopped";
    const result = await stoppable(context, () => context.orderLimiter.schedule(async () => {
      // Checked inside the limiter: a job queued before the stop must not start after it.
      if (context.stop.aborted) return undefined;
      journal.posting(order.key, order.posts + 1);
      crashPoint("before-post");
      counters.posts += 1;
      counters.firstPostAt ??= context.now();
      return client.createOrder(order.body, order.key);
    }));
    if (!result) return "stopped";
    crashPoint("after-post");

    const verdict = judge(result);
    if (verdict.verdict === "success" && result.kind === "ok" && typeof result.body?.id === "string") {
      journal.accepted(order.key, result.body.id);
      crashPoint("accepted");
      counters.accepted += 1;
      log.info({ key: order.key, orderId: result.body.id, rows: order.rows.map((row) => row.row) }, "order accepted");
      return "accepted";
    }
    if (verdict.verdict === "final") {
      journal.rejected(order.key, verdict.status, verdict.type, verdict.message);
      counters.rejected += 1;
      log.warn({ key: order.key, status: verdict.status, errorType: verdict.type, rows: order.rows.map((row) => row.row) }, "order rejected");
      return "rejected";
    }
    const reason = verdict.verdict === "retry" ? verdict.reason : "server_error"; // a 2xx without an id: ask again
    lastError = result.kind === "network" ? { type: result.code, message: result.message } : result.kind === "http_error" ? result.error : { type: "bad_response", message: "accepted without an order id" };
    counters.retries[reason] += 1;
    const delay = retryDelayMs(reason, attempt, context.timeScale);
    if (reason === "rate_limited") context.pausedUntil = Math.max(context.pausedUntil, context.now() + delay);
    log.warn({ key: order.key, attempt, reason, errorType: lastError.type, delayMs: delay }, "order attempt will be retried");
    if (!(await pause(delay, context.stop))) return "stopped";
  }
  journal.unresolved(order.key, lastError.type, `gave up after ${MAX_POST_ATTEMPTS} attempts: ${lastError.message}`);
  counters.unresolved += 1;
  return "unresolved";
}
