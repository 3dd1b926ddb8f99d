// The POST /order body for a set of rows. Built only from normalised row fields, with a fixed key
// order and nothing time- or run-dependent, so the same rows always give the same bytes: Runa
// answers idempotency_validation_error when a key comes back with a different body.
import { toJsonNumber } from "../money.ts";
import type { NewOrder, NewOrderItem } from "../runa/types.ts";
import type { OrderLine } from "../input/order-line.ts";

/**
 * `metadata` (see order-metadata.ts) traces the order to its batch and rows; the edit check
 * (asksFor) leaves it out, comparing only what the row asks Runa to deliver.
 */
export function orderBody(lines: readonly OrderLine[], metadata?: Record<string, string>): string {
  const first = lines[0];
  if (!first) throw new Error("an order needs at least one row");
  const order: NewOrder = {
    payment_method: { type: "ACCOUNT_BALANCE", currency: first.currency },
    items: lines.map(orderItem),
  };
  if (first.description) order.description = first.description;
  if (metadata) order.metadata = metadata;
  return JSON.stringify(order);
}

function orderItem(line: OrderLine): NewOrderItem {
  return {
    face_value: toJsonNumber(line.amount),
    distribution_method:
      line.distribution.type === "EMAIL"
        ? { type: "EMAIL", email_address: line.distribution.email_address }
        : { type: "PAYOUT_LINK" },
    products: canonicalProducts(line.products),
  };
}

function canonicalProducts(products: OrderLine["products"]): OrderLine["products"] {
  switch (products.type) {
    case "SINGLE":
      return { type: "SINGLE", value: products.value };
    case "MULTIPLE":
      return { type: "MULTIPLE", values: [...products.values] };
    case "TEMPLATE":
      return { type: "TEMPLATE", template_id: products.template_id };
  }
}

/** A journaled body, parsed: the edit check reads it once per order, not once per row. */
export function parseBody(body: string): NewOrder {
  return JSON.parse(body) as NewOrder;
}

/**
 * Whether the row asks Runa for exactly what `item` of the journaled order asks: the same currency,
 * description and item, the item built the way orderBody builds it, whatever else shares the order.
 * Compared value by value rather than as text: every row of a re-run and of `status` is checked.
 */
export function asksFor(line: OrderLine, order: NewOrder, item: NewOrderItem | undefined): boolean {
  return (
    item !== undefined &&
    line.currency === order.payment_method.currency &&
    (line.description ?? "") === (order.description ?? "") &&
    sameJson(orderItem(line), item)
  );
}

/**
 * Deep equality of JSON values (key order aside): a key with an undefined value counts, so such an
 * item never equals a parsed one. Written out because util.isDeepStrictEqual takes ~3x as long.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) =>
      Object.hasOwn(b, key) && sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
