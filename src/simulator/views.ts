// How orders look on the wire, per the 2024-02-05 spec's schemas.
import { PAYOUT_EXPIRY_MS } from "./options.ts";
import type { SimulatedOrder } from "./state.ts";

const iso = (ms: number): string => new Date(ms).toISOString();

/** AsyncAcceptedOrder: the 202 answer to an async POST /order. */
export function acceptedView(order: SimulatedOrder): object {
  return { id: order.id, status: "PROCESSING" };
}

/**
 * IncompleteOrder: `{id, status, message}`. Used while PROCESSING and for FAILED orders: Runa documents
 * no reason field on a failure and its failed-order webhook carries only id and status, so a FAILED
 * order is the same three fields with status FAILED.
 */
export function incompleteView(order: SimulatedOrder): object {
  const message =
    order.status === "FAILED"
      ? "The order failed (simulated); its price was returned to the account balance."
      : "The order is being processed (simulated).";
  return { id: order.id, status: order.status, message };
}

/** CompletedOrderWithBasicDetails: what GET /order lists (no items, no metadata). */
export function basicView(order: SimulatedOrder): object {
  return {
    id: order.id,
    status: order.status,
    created_at: iso(order.createdAt),
    completed_at: iso(order.completesAt),
    payment_method: { type: "ACCOUNT_BALANCE", currency: order.currency },
    currency: order.currency,
    total_price: order.totalPrice,
    total_discount: order.totalDiscount,
  };
}

/** CompletedOrderWithFullDetails: GET /order/{id} once COMPLETED, and the sync POST answer. */
export function fullView(order: SimulatedOrder): object {
  return {
    ...basicView(order),
    ...(order.description === undefined ? {} : { description: order.description }),
    ...(order.metadata === undefined ? {} : { metadata: order.metadata }),
    items: order.items.map((item) => ({
      id: item.id,
      distribution_method: item.distributionMethod,
      products: item.products,
      face_value: item.faceValue,
      price: item.price,
      currency: item.currency,
      payout: {
        status: "ACTIVE",
        status_updated_at: iso(order.completesAt),
        url: item.payoutUrl,
        expiry_date: iso(order.createdAt + PAYOUT_EXPIRY_MS),
      },
    })),
  };
}

/** The order as GET /order/{id} shows it now. */
export function lookupView(order: SimulatedOrder): object {
  return order.status === "COMPLETED" ? fullView(order) : incompleteView(order);
}

/** The order as GET /order lists it now (the spec's oneOf basic details / incomplete). */
export function listView(order: SimulatedOrder): object {
  return order.status === "COMPLETED" ? basicView(order) : incompleteView(order);
}
