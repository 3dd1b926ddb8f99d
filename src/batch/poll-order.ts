// Polls an accepted order until Runa says COMPLETED or FAILED, with growing delays, on its own
// budget. A row still processing at the deadline ends PENDING; the journal keeps its order id, so
// a re-run polls it again and never re-posts it.
import { POLL_FIRST_DELAY_MS, POLL_MAX_DELAY_MS } from "../config.ts";
import type { OrderState } from "../journal/journal-state.ts";
import type { FullOrder } from "../runa/types.ts";
import { crashPoint } from "../journal/crash-points.ts";
import { matchPayouts } from "./match-payouts.ts";
import { pause, stoppable, type RunContext } from "./run-context.ts";

const POLL_GROWTH = 1.6;

export type PollOutcome = "settled" | "pending" | "stopped";

export async function pollOrder(context: RunContext, order: OrderState): Promise<PollOutcome> {
  const orderId = order.orderId;
  if (!orderId) throw new Error(`order ${order.key} has no id to poll`);
  const deadline = context.now() + context.pollTimeoutMs;
  let delay = POLL_FIRST_DELAY_MS * context.timeScale;
  for (;;) {
    const wait = Math.min(delay, deadline - context.now());
    if (wait < 0) return "pending";
    if (!(await pause(wait, context.stop))) return "stopped";
    const result = await stoppable(context.stop, () =>
      context.pollLimiter.schedule(() => {
        context.counters.polls += 1;
        return context.client.getOrder(orderId);
      }),
    );
    if (!result) return "stopped";
    const status = result.kind === "ok" ? result.body.status : undefined;
    if (status === "COMPLETED" || status === "FAILED") {
      crashPoint("after-poll");
      const full = (result as { body: FullOrder }).body;
      const payouts =
        status === "COMPLETED"
          ? matchPayouts(order.rows, order.body, full.items ?? [])
          : order.rows.map((row) => ({ fp: row.fp }));
      context.journal.settled(order.key, orderId, status, payouts, full.total_price);
      crashPoint("settled");
      context.counters.settled += 1;
      context.counters.lastSettledAt = context.now();
      context.log.info({ key: order.key, orderId, status }, "order settled");
      return "settled";
    }
    if (result.kind !== "ok")
      context.log.warn(
        { orderId, status: result.kind === "http_error" ? result.status : result.code },
        "poll failed; will poll again",
      );
    if (context.now() >= deadline) return "pending";
    delay = Math.min(delay * POLL_GROWTH, POLL_MAX_DELAY_MS * context.timeScale);
  }
}
