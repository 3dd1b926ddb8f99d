// The POST /order body for a set of rows. Built only from normalised row fields, with a fixed key
// order and nothing time- or run-dependent, so the same rows always give the same bytes: Runa
// answers idempotency_validation_error when a key comes back with a different body.
import { toJsonNumber } from "../money.ts";
import type { NewOrder, NewOrderItem } from "../runa/types.ts";
import type { OrderLine } from "../input/order-line.ts";

/**
 * `metadata` (see order-metadata.ts) traces the order to its batch and rows; it is left out of a
 * row's signature, so the edit check compares only what the row asks Runa to deliver.
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

/**
 * What a row asks of its order, as text: currency, description and its item. Equal signatures
 * mean the row is unchanged since its order was planned, whatever else shares that order. Built
 * the way orderBody builds the row's part of a body, so it equals signaturesInBody's for that row.
 */
export function rowSignature(line: OrderLine): string {
  return signature(line.currency, line.description, orderItem(line));
}

/** The signature of every row of a journaled body, in the order of its items: one parse per body. */
export function signaturesInBody(body: string): string[] {
  const order = JSON.parse(body) as NewOrder;
  return order.items.map((item) => signature(order.payment_method.currency, order.description, item));
}

function signature(currency: string, description: string | undefined, item: NewOrderItem): string {
  return JSON.stringify([currency, description ?? "", item]);
}
