// Matches Runa's list of orders against every order the local journals hold. Pure: orders in,
// findings out. Orders are matched by id over everything both sides know, then the period picks
// which findings to report, so an order near the edge of the period is never "missing" merely
// because the two sides dated it a second apart.
import { decimal, toMoneyText, type Decimal } from "../money.ts";
import type { OrderPhase } from "../journal/journal-state.ts";
import type { OrderOutcome } from "../journal/records.ts";

/** An order as Runa lists it. PROCESSING and FAILED orders come without date, currency or price. */
export interface RunaOrder {
  id: string;
  status: string;
  createdAt?: string;
  currency?: string;
  totalPrice?: string;
}

/** An order as a journal records it. */
export interface JournalOrder {
  batchId: string;
  journal: string;
  key: string;
  orderId?: string;
  currency: string;
  phase: OrderPhase;
  outcome?: OrderOutcome;
  /** What the journal recorded as charged (Runa's total_price when it settled COMPLETED). */
  totalPrice?: string;
  /** When it was first sent (else planned). */
  at: string;
}

/** Half-open, in epoch ms: since <= t < until. */
export interface Period {
  since?: number;
  until?: number;
}

export interface BatchTotal {
  batchId: string;
  currency: string;
  journalOrders: number;
  journalTotal: string;
  runaOrders: number;
  runaTotal: string;
  matches: boolean;
}

export interface Reconciliation {
  /** Runa orders in the period, all of them. */
  runaOrders: number;
  /** Orders Runa has that no journal knows: placed from elsewhere, a lost journal, another tool. */
  unknown: RunaOrder[];
  /** Journal orders with an order id that Runa does not list. */
  missing: JournalOrder[];
  /** Journal orders sent with no answer recorded: no id to match; a re-run of their batch settles them. */
  unanswered: JournalOrder[];
  /** Per batch and currency: COMPLETED orders' totals in the journals and at Runa. */
  totals: BatchTotal[];
}

export function matchOrders(
  runa: readonly RunaOrder[],
  journals: readonly JournalOrder[],
  period: Period,
): Reconciliation {
  const inPeriod = (iso: string | undefined): boolean => {
    if (iso === undefined) return true; // undated (PROCESSING, FAILED): cannot be placed outside the period
    const time = Date.parse(iso);
    return (period.since === undefined || time >= period.since) && (period.until === undefined || time < period.until);
  };
  const runaById = new Map(runa.map((order) => [order.id, order]));
  const journalById = new Map<string, JournalOrder>();
  for (const order of journals)
    if (order.orderId !== undefined && !journalById.has(order.orderId)) journalById.set(order.orderId, order);

  const result: Reconciliation = { runaOrders: 0, unknown: [], missing: [], unanswered: [], totals: [] };
  for (const order of runa) {
    const known = journalById.get(order.id);
    if (!inPeriod(order.createdAt ?? known?.at)) continue;
    result.runaOrders += 1;
    if (!known) result.unknown.push(order);
  }

  const totals = new Map<
    string,
    { batchId: string; currency: string; journalOrders: number; journal: Decimal; runaOrders: number; runa: Decimal }
  >();
  for (const order of journals) {
    if (order.orderId === undefined) {
      if ((order.phase === "posted" || order.phase === "unresolved") && inPeriod(order.at))
        result.unanswered.push(order);
      continue;
    }
    if (journalById.get(order.orderId) !== order) continue; // the same order in a second journal (a copy) counts once
    const listed = runaById.get(order.orderId);
    if (!inPeriod(listed?.createdAt ?? order.at)) continue;
    if (!listed) result.missing.push(order);
    const id = `${order.batchId}\0${order.currency}`;
    const total = totals.get(id) ?? {
      batchId: order.batchId,
      currency: order.currency,
      journalOrders: 0,
      journal: decimal(0),
      runaOrders: 0,
      runa: decimal(0),
    };
    if (order.phase === "settled" && order.outcome === "COMPLETED") {
      total.journalOrders += 1;
      total.journal = total.journal.plus(order.totalPrice ?? 0);
    }
    if (listed?.status === "COMPLETED") {
      total.runaOrders += 1;
      total.runa = total.runa.plus(listed.totalPrice ?? 0);
    }
    totals.set(id, total);
  }
  result.totals = [...totals.values()]
    .filter((total) => total.journalOrders + total.runaOrders > 0)
    .sort((a, b) => a.batchId.localeCompare(b.batchId) || a.currency.localeCompare(b.currency))
    .map((total) => ({
      batchId: total.batchId,
      currency: total.currency,
      journalOrders: total.journalOrders,
      journalTotal: toMoneyText(total.journal),
      runaOrders: total.runaOrders,
      runaTotal: toMoneyText(total.runa),
      matches: total.journalOrders === total.runaOrders && total.journal.eq(total.runa),
    }));
  return result;
}

/** Whether everything matched: nothing unknown, nothing missing, every total equal. */
export function allMatch(reconciliation: Reconciliation): boolean {
  return (
    reconciliation.unknown.length === 0 &&
    reconciliation.missing.length === 0 &&
    reconciliation.totals.every((total) => total.matches)
  );
}
