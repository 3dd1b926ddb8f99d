// The two budgets: order creation (what Runa rate-limits, failed requests included) and polling
// (undocumented limits; kept polite and apart so polls never eat the order budget).
import Bottleneck from "bottleneck";
import { POLLS_PER_SECOND } from "../config.ts";

/**
 * Spacing POSTs by 60 000 / rate ms keeps any 60-second window at or under `rate` when the server
 * sees them as we send them; 1.5 % more spacing absorbs network jitter, so a server counting in a
 * strict sliding window never refuses us, at a cost of under 2 % of the budget.
 */
export const RATE_SAFETY_MARGIN = 0.015;
/** POSTs under way at once: async mode answers fast, so a few cover the latency. */
const MAX_CONCURRENT_POSTS = 4;
const MAX_CONCURRENT_POLLS = 4;

export function orderSpacingMs(ordersPerMinute: number): number {
  return Math.ceil((60_000 / ordersPerMinute) * (1 + RATE_SAFETY_MARGIN));
}

export function createOrderLimiter(ordersPerMinute: number): Bottleneck {
  return new Bottleneck({ minTime: orderSpacingMs(ordersPerMinute), maxConcurrent: MAX_CONCURRENT_POSTS });
}

export function createPollLimiter(pollsPerSecond = POLLS_PER_SECOND): Bottleneck {
  return new Bottleneck({ minTime: Math.ceil(1000 / pollsPerSecond), maxConcurrent: MAX_CONCURRENT_POLLS });
}
