// Every order the journals in a directory hold, flattened for matching against Runa's list.
import { basename } from "node:path";
import { readJournal } from "../journal/batch-journal.ts";
import { orderCharge } from "../journal/charged.ts";
import type { JournalOrder } from "./match-orders.ts";

/** The orders of each journal, one journal in memory at a time. */
export function journalOrders(paths: readonly string[]): JournalOrder[] {
  const orders: JournalOrder[] = [];
  for (const path of paths) {
    const state = readJournal(path);
    const batchId = state.batchId ?? basename(path, ".journal.jsonl");
    for (const order of state.orders.values()) {
      const entry: JournalOrder = {
        batchId,
        journal: path,
        key: order.key,
        currency: order.currency,
        phase: order.phase,
        at: order.firstPostAt ?? order.plannedAt,
      };
      if (order.orderId !== undefined) entry.orderId = order.orderId;
      if (order.outcome !== undefined) entry.outcome = order.outcome;
      const charge = orderCharge(order);
      if (charge !== undefined) entry.totalPrice = charge;
      orders.push(entry);
    }
  }
  return orders;
}
