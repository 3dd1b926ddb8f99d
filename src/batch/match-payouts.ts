// Runa's items carry no per-item reference, so an order's items are matched back to its rows by
// content (distribution and email, products, face value), never by position alone. Items with the
// same content are interchangeable (e.g. identical PAYOUT_LINK rows): the rows of one content get
// the items of that content as a multiset, so any one of them is that row's link.
// https://docs.runa.io (Get order: CompletedOrderItem has id, distribution_method, products, face_value, price, payout)
import { toMoneyText } from "../money.ts";
import type { MemberRow, RowPayout } from "../journal/records.ts";
import type { CompletedOrderItem, NewOrder } from "../runa/types.ts";

/**
 * One payout per row, in the rows' order; a row no item matched gets `{fp}` alone (its result says
 * so). `body` is the order's journaled request: its items stand in the rows' order. No item is ever
 * given to two rows.
 */
export function matchPayouts(
  rows: readonly MemberRow[],
  body: string,
  items: readonly CompletedOrderItem[],
): RowPayout[] {
  const requested = (JSON.parse(body) as NewOrder).items;
  // The journal writes rows and body from one list; if they ever disagree, guessing could hand one
  // person another's link, so nothing is matched.
  if (requested.length !== rows.length) return rows.map((row) => ({ fp: row.fp }));

  const payouts: (RowPayout | undefined)[] = rows.map(() => undefined);
  const pool = new ItemPool(items);
  // First by full content: email, products and face value all agree.
  requested.forEach((wanted, index) => {
    const item = pool.take(contentKey(wanted));
    if (item) payouts[index] = payoutOf(rows[index]!, item);
  });
  // Runa may answer products {"type": "UNKNOWN"} ("not possible to determine which products were
  // included"). Such an item still has its distribution and face value; it goes to a row only when
  // every row still waiting with that distribution and face value asked for the same products
  // (so any of them is as right as another), never by guessing between different products.
  const waiting = new Map<string, Set<string>>();
  requested.forEach((wanted, index) => {
    const loose = looseKey(wanted);
    if (payouts[index] || loose === undefined) return;
    waiting.set(loose, (waiting.get(loose) ?? new Set()).add(productsKey(wanted.products)));
  });
  requested.forEach((wanted, index) => {
    const loose = looseKey(wanted);
    if (payouts[index] || loose === undefined || waiting.get(loose)?.size !== 1) return;
    const item = pool.take(`${loose}\nUNKNOWN`);
    if (item) payouts[index] = payoutOf(rows[index]!, item);
  });
  return payouts.map((payout, index) => payout ?? { fp: rows[index]!.fp });
}

/** Completed items by content, each handed out once. */
class ItemPool {
  readonly #byContent = new Map<string, CompletedOrderItem[]>();

  constructor(items: readonly CompletedOrderItem[]) {
    for (const item of items) {
      const key = contentKey(item);
      if (key === undefined) continue; // unreadable face value: never matched
      const list = this.#byContent.get(key) ?? [];
      list.push(item);
      this.#byContent.set(key, list);
    }
  }

  take(key: string | undefined): CompletedOrderItem | undefined {
    return key === undefined ? undefined : this.#byContent.get(key)?.shift();
  }
}

function payoutOf(row: MemberRow, item: CompletedOrderItem): RowPayout {
  const payout: RowPayout = {
    fp: row.fp,
    itemId: item.id,
    price: item.price,
    url: item.payout?.url,
    payoutStatus: item.payout?.status,
  };
  if (item.payout?.expiry_date !== undefined) payout.expiryDate = item.payout.expiry_date;
  return payout;
}

/** What a requested item and a completed one have in common. */
type Content = { distribution_method: unknown; products: unknown; face_value: unknown };

function contentKey(item: Content): string | undefined {
  const loose = looseKey(item);
  return loose === undefined ? undefined : `${loose}\n${productsKey(item.products)}`;
}

/** Distribution and face value: what an item with UNKNOWN products still tells us. */
function looseKey(item: Content): string | undefined {
  const face = moneyKey(item.face_value);
  return face === undefined ? undefined : `${distributionKey(item.distribution_method)}\n${face}`;
}

/** "10", "10.0" and 10 are one face value; anything unreadable matches nothing. */
function moneyKey(value: unknown): string | undefined {
  if (typeof value !== "number" && typeof value !== "string") return undefined;
  try {
    return toMoneyText(String(value));
  } catch {
    return undefined;
  }
}

function distributionKey(method: unknown): string {
  const { type, email_address } = (method ?? {}) as { type?: string; email_address?: string };
  return type === "EMAIL" ? `EMAIL:${(email_address ?? "").trim().toLowerCase()}` : String(type);
}

/**
 * Compares only what we asked for: a completed item may add details (a template lists its products,
 * a single product its usage_config). MULTIPLE codes are a set (the spec says uniqueItems), so
 * their order in the answer does not matter.
 */
function productsKey(products: unknown): string {
  const selection = (products ?? {}) as { type?: string; value?: string; values?: string[]; template_id?: string };
  switch (selection.type) {
    case "SINGLE":
      return `SINGLE:${selection.value}`;
    case "MULTIPLE":
      return `MULTIPLE:${[...(selection.values ?? [])].sort().join("|")}`;
    case "TEMPLATE":
      return `TEMPLATE:${selection.template_id}`;
    default:
      return "UNKNOWN";
  }
}
