// What the results file says about one input row, from the validation result and the journal.
import type { OrderState } from "../journal/journal-state.ts";
import type { ResultFields } from "../csv/write-results.ts";
import type { CheckedRow } from "../input/check-rows.ts";
import { idempotencyKey } from "./idempotency-key.ts";
import { STUCK_KEY } from "./plan-row.ts";
import { recentCache } from "../recent-cache.ts";
import type { RowPayout } from "../journal/records.ts";

/** A row's payout through an index of its order's payouts, not a scan of up to 200 per row. */
const payoutsByRow = recentCache(64, (payouts: readonly RowPayout[]) => {
  const index = new Map<string, RowPayout>();
  for (const payout of payouts) if (!index.has(payout.fp)) index.set(payout.fp, payout); // the first, as find() gave
  return index;
});

/**
 * `orders`: the row's orders as the journal has them (JournalState.ordersOfRow: oldest first, the
 * latest last; none for an invalid row). `interrupted`: the run was stopped (SIGINT/SIGTERM), so
 * polling ended early, not at the poll timeout.
 */
export function rowResult(
  checked: CheckedRow,
  orders: readonly OrderState[],
  batchId: string,
  interrupted = false,
): ResultFields {
  const result: ResultFields = {
    row: String(checked.row),
    idempotency_key: "",
    order_id: "",
    status: "NOT_SENT",
    redemption_url: "",
    payout_status: "",
    expiry_date: "",
    price: "",
    error_type: "",
    error_message: "",
    superseded_order_ids: "",
  };
  if (!checked.result.ok) {
    result.status = "INVALID";
    result.error_type = "invalid_row";
    result.error_message = checked.result.problems
      .map((problem) => (problem.column ? `${problem.column}: ${problem.message}` : problem.message))
      .join("; ");
    return result;
  }
  const fingerprint = checked.result.order.fingerprint;
  const order = orders.at(-1);
  if (!order) {
    result.idempotency_key = idempotencyKey(batchId, fingerprint, 0);
    result.error_message = "not sent: the run stopped before this row; re-run to send it";
    return result;
  }
  result.idempotency_key = order.key;
  result.order_id = order.orderId ?? "";
  if (orders.length > 1) result.superseded_order_ids = supersededOrders(orders.slice(0, -1));
  switch (order.phase) {
    case "planned":
      result.error_message = "not sent: the run stopped before this row; re-run to send it";
      break;
    case "posted":
    case "unresolved":
      result.status = "ERROR";
      result.error_type = order.error?.type ?? "unknown_outcome";
      result.error_message =
        order.error?.type === STUCK_KEY
          ? `${order.error.message}. Runa may or may not hold an order for it: check \`runa-batch reconcile\` or the Runa dashboard. ` +
            `Only if it holds none, re-send this row under a new key: add --rekey ${checked.row} to the run command`
          : `${order.error?.message ?? "sent, no answer recorded"}; outcome unknown: a re-run re-sends the same key, which Runa replays, never pays twice`;
      break;
    case "accepted":
      result.status = "PENDING";
      if (interrupted) result.error_type = "interrupted";
      result.error_message = interrupted
        ? "accepted by Runa; the run was interrupted before Runa finished it; a re-run polls it again (nothing is re-sent)"
        : "still processing at the poll timeout; a re-run polls it again";
      break;
    case "rejected":
      result.status = "REJECTED";
      result.error_type = order.error?.type ?? "";
      result.error_message =
        order.size > 1
          ? `Runa rejected the whole order (all ${order.size} rows of this order): ${order.error?.message ?? ""}`
          : (order.error?.message ?? "");
      break;
    case "settled": {
      result.status = order.outcome ?? "FAILED";
      const payout = order.payouts && payoutsByRow(order.payouts).get(fingerprint);
      if (order.outcome === "FAILED") {
        result.error_type = "order_failed";
        result.error_message =
          order.size > 1
            ? `Runa reported the order FAILED (all ${order.size} rows of this order)`
            : "Runa reported the order FAILED";
      } else if (!payout?.url) {
        result.status = "ERROR";
        result.error_type = "unmatched_item";
        result.error_message =
          "order completed but no item matched this row's content; check the order in the Runa dashboard";
      }
      result.redemption_url = payout?.url ?? "";
      result.payout_status = payout?.payoutStatus ?? "";
      result.expiry_date = payout?.expiryDate ?? "";
      result.price = payout?.price ?? "";
      break;
    }
  }
  return result;
}

/**
 * The row's earlier orders that may exist at Runa (FAILED and re-ordered, or paid and then ordered
 * anew with --accept-changes), each with how it ended: "O-1 COMPLETED; O-2 FAILED". A final 4xx or
 * a plan never sent created no order and is left out; a POST whose answer never came is named by
 * its key, since Runa may hold an order for it.
 */
function supersededOrders(orders: readonly OrderState[]): string {
  return orders
    .flatMap((order) => {
      if (order.orderId !== undefined)
        return [`${order.orderId} ${order.phase === "settled" ? (order.outcome ?? "FAILED") : "PENDING"}`];
      if (order.phase === "posted" || order.phase === "unresolved") return [`key ${order.key} outcome unknown`];
      return [];
    })
    .join("; ");
}
