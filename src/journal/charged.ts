// What a batch's orders cost, and which of them the file no longer shows, from its journal: the
// figures the summary and reconcile report.
import { decimal, toMoneyText, type Decimal } from "../money.ts";
import type { JournalState, OrderState } from "./journal-state.ts";

export interface ChargedTotal {
  currency: string;
  orders: number;
  price: string;
}

/**
 * What a COMPLETED order cost: Runa's total_price as journaled (else, from a journal written before
 * it was kept, the sum of its items' prices); undefined for any order not COMPLETED.
 */
export function orderCharge(order: OrderState): string | undefined {
  if (order.phase !== "settled" || order.outcome !== "COMPLETED") return undefined;
  return (
    order.totalPrice ??
    toMoneyText((order.payouts ?? []).reduce((sum, payout) => sum.plus(payout.price ?? 0), decimal(0)))
  );
}

/** Every COMPLETED order of the journal, per currency: what the batch has spent. */
export function chargedTotals(journal: JournalState): ChargedTotal[] {
  const totals = new Map<string, { orders: number; price: Decimal }>();
  for (const order of journal.orders.values()) {
    const charge = orderCharge(order);
    if (charge === undefined) continue;
    const total = totals.get(order.currency) ?? { orders: 0, price: decimal(0) };
    total.orders += 1;
    total.price = total.price.plus(charge);
    totals.set(order.currency, total);
  }
  return [...totals]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, total]) => ({ currency, orders: total.orders, price: toMoneyText(total.price) }));
}

/** An order of the batch that no row of the file, as it is now, carries (current or superseded). */
export interface OrderNotInFile {
  orderId?: string;
  key: string;
  /** COMPLETED, FAILED, PENDING (accepted, not final), or UNKNOWN (sent, no answer recorded). */
  status: string;
  /** The rows it paid, as numbered when it was planned. */
  rows: number[];
  price?: string;
}

/**
 * The journal's orders that may exist at Runa but belong to no row of the file (rows deleted since,
 * or now invalid): `accounted` holds the orders the file's rows carry.
 */
export function ordersNotInFile(journal: JournalState, accounted: ReadonlySet<OrderState>): OrderNotInFile[] {
  const orders: OrderNotInFile[] = [];
  for (const order of journal.orders.values()) {
    if (accounted.has(order)) continue;
    const status =
      order.phase === "settled"
        ? (order.outcome ?? "FAILED")
        : order.phase === "accepted"
          ? "PENDING"
          : order.phase === "posted" || order.phase === "unresolved"
            ? "UNKNOWN"
            : undefined;
    if (status === undefined) continue; // never sent, or a final 4xx: no order exists
    const entry: OrderNotInFile = { key: order.key, status, rows: order.rows.map((member) => member.row) };
    if (order.orderId !== undefined) entry.orderId = order.orderId;
    const charge = orderCharge(order);
    if (charge !== undefined) entry.price = charge;
    orders.push(entry);
  }
  return orders;
}
