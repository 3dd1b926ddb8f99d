// POST /order/estimate: what an order would cost, per the spec's OrderPriceRequest/Response. Prices
// come from the same catalog rules as a real order; nothing is reserved, charged or stored.
import { sum, toMoneyText } from "../money.ts";
import type { Catalog, ProductSelection } from "./catalog.ts";
import { errorResponse } from "./place-order.ts";
import type { StoredResponse } from "./state.ts";

/** The spec's OrderPriceRequest allows up to 500 items (an order, 200). */
export const MAX_ESTIMATE_ITEMS = 500;
const CURRENCY = /^[A-Z]{3}$/;

interface Detail {
  type: string;
  message: string;
  location: string[];
}

export function estimateOrder(catalog: Catalog, rawBody: string): StoredResponse {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch (error) {
    return validationError([
      { type: "json_invalid", message: error instanceof Error ? error.message : String(error), location: ["body"] },
    ]);
  }
  const details: Detail[] = [];
  const request = body as { payment_method?: { type?: unknown; currency?: unknown }; items?: unknown };
  const currency = request?.payment_method?.currency;
  if (request?.payment_method?.type !== "ACCOUNT_BALANCE")
    details.push({ type: "enum", message: "must be ACCOUNT_BALANCE", location: ["body", "payment_method", "type"] });
  if (typeof currency !== "string" || !CURRENCY.test(currency))
    details.push({
      type: "string_pattern_mismatch",
      message: "must be an ISO 4217 code",
      location: ["body", "payment_method", "currency"],
    });
  const items = Array.isArray(request?.items)
    ? (request.items as { products?: ProductSelection; face_value?: unknown }[])
    : undefined;
  if (!items || items.length < 1 || items.length > MAX_ESTIMATE_ITEMS) {
    details.push({
      type: "array_length",
      message: `must hold 1 to ${MAX_ESTIMATE_ITEMS} items`,
      location: ["body", "items"],
    });
  }
  for (const [index, item] of (items ?? []).entries()) {
    const type = item?.products?.type;
    // The spec's OrderItemPriceRequest takes SINGLE or MULTIPLE products only (no TEMPLATE).
    if (type !== "SINGLE" && type !== "MULTIPLE")
      details.push({
        type: "union_tag_invalid",
        message: "products.type must be SINGLE or MULTIPLE",
        location: ["body", "items", String(index), "products"],
      });
    if (typeof item?.face_value !== "number")
      details.push({
        type: "float_type",
        message: "must be a number",
        location: ["body", "items", String(index), "face_value"],
      });
  }
  if (details.length > 0 || !items || typeof currency !== "string") return validationError(details);

  const priced = [];
  for (const [index, item] of items.entries()) {
    const check = catalog.check(item.products as ProductSelection, item.face_value as number);
    if (!check.ok) return errorResponse(400, check.type, `items[${index}]: ${check.message}`);
    if (check.item.currency !== currency)
      return errorResponse(
        400,
        "currency_mismatch",
        `items[${index}] is in ${check.item.currency}, the payment method in ${currency}`,
      );
    priced.push({ products: item.products, check: check.item });
  }
  const total = sum(priced.map(({ check }) => check.price));
  const face = sum(priced.map(({ check }) => check.faceValue));
  const response = {
    payment_method: { type: "ACCOUNT_BALANCE", currency },
    items: priced.map(({ products, check }) => ({
      products,
      face_value: Number(toMoneyText(check.faceValue)),
      price: Number(toMoneyText(check.price)),
      discount_multiplier: check.discountMultiplier,
      currency: check.currency,
    })),
    currency,
    // The spec types these as numbers: two-place values written as JSON numbers.
    total_discount: Number(toMoneyText(face.minus(total))),
    total_price: Number(toMoneyText(total)),
    transaction_detail: { [currency]: { value: toMoneyText(total) } }, // no FX: paid in its own currency
  };
  return { status: 200, body: JSON.stringify(response) };
}

function validationError(details: Detail[]): StoredResponse {
  return errorResponse(
    422,
    "validation_error",
    "There were one or more problems processing your request, see details key.",
    { details },
  );
}
