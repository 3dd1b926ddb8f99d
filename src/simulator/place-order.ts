// Deciding a new POST /order once its idempotency key is reserved: validate, check the catalog and
// the balance, charge, create. The answer is what the idempotency store keeps and replays.
import type Big from "big.js";
import { sum, toMoneyText } from "../money.ts";
import type { RunaErrorType } from "../runa/error-types.ts";
import { intersect, type PricedItem, type ProductSelection } from "./catalog.ts";
import { SLOW_COMPLETION_FACTOR, type Clock, type SimulatorFaults } from "./options.ts";
import { chance, ulid } from "./random.ts";
import type { SimulatedOrder, SimulatorState, StoredResponse } from "./state.ts";
import { validateNewOrder } from "./validate-order.ts";
import { acceptedView, fullView } from "./views.ts";

export interface OrderContext {
  state: SimulatorState;
  clock: Clock;
  /** Fault and failure decisions. */
  random: () => number;
  /** Ids only, apart from `random`, so changing a fault rate does not change the ids. */
  idRandom: () => number;
  completionDelayMs: number;
  failureRate: number;
  faults: SimulatorFaults;
  /** Runa's playground: orders are accepted whatever the balance. */
  playground: boolean;
  /** The simulator's own base URL, for the simulated payout links. */
  baseUrl: () => string;
}

export interface OrderRequest {
  key: string;
  rawBody: string;
  mode: "sync" | "async";
  /** The X-Send-Email header was "true". */
  sendEmail: boolean;
}

export interface PlacedOrder {
  response: StoredResponse;
  /** Set when an order was created (and charged). */
  order?: SimulatedOrder;
}

/** Runa's error body `{type, message, help}`; 422 adds `details`. */
export function errorResponse(
  status: number,
  type: RunaErrorType,
  message: string,
  extra: object = {},
): StoredResponse {
  return {
    status,
    body: JSON.stringify({ type, message, help: "Answered by the runa-batch local simulator.", ...extra }),
  };
}

interface ValidBody {
  payment_method: { type: "ACCOUNT_BALANCE"; currency: string };
  items: { face_value: number; distribution_method: { type: string }; products: ProductSelection }[];
  description?: string | null;
  metadata?: Record<string, string> | null;
}

export function placeOrder(context: OrderContext, request: OrderRequest): PlacedOrder {
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { response: validationError([{ type: "json_invalid", message, location: ["body"] }]) };
  }
  const details = validateNewOrder(body);
  if (details.length > 0) return { response: validationError(details) };
  const order = body as ValidBody;

  if (request.mode === "sync" && order.items.length > 1) {
    return { response: errorResponse(400, "invalid_execution_mode", "sync execution mode allows one item per order") };
  }

  const currency = order.payment_method.currency;
  const priced: PricedItem[] = [];
  for (const [index, item] of order.items.entries()) {
    if (item.distribution_method.type === "RECIPIENT") {
      return {
        response: errorResponse(
          400,
          "product_validation_error",
          `items[${index}]: RECIPIENT distribution is for payment products`,
        ),
      };
    }
    const check = context.state.catalog.check(item.products, item.face_value);
    if (!check.ok) return { response: errorResponse(400, check.type, `items[${index}]: ${check.message}`) };
    if (check.item.currency !== currency) {
      return {
        response: errorResponse(
          400,
          "currency_mismatch",
          `items[${index}] is in ${check.item.currency}, the payment method in ${currency}`,
        ),
      };
    }
    priced.push(check.item);
  }
  // Runa: all products of one order are redeemable in one country. Refused as a product selection
  // problem (product_validation_error): the fix is to split the order or change a product.
  if (intersect(priced.map((item) => item.countries)).length === 0) {
    return {
      response: errorResponse(400, "product_validation_error", "all products of one order must share a country"),
    };
  }
  if (!context.state.hasAccount(currency)) {
    return { response: errorResponse(400, "payment_method_unavailable", `no ${currency} account balance`) };
  }
  const totalPrice = sum(priced.map((item) => item.price));
  const available = context.state.balanceOf(currency);
  if (!context.playground && (!available || available.lt(totalPrice))) {
    return {
      response: errorResponse(
        400,
        "insufficient_funds",
        `the order costs ${toMoneyText(totalPrice)} ${currency}; the balance is ${toMoneyText(available ?? "0")}`,
      ),
    };
  }

  context.state.debit(currency, totalPrice);
  const created = createOrder(context, request, order, priced, totalPrice);
  context.state.addOrder(created);
  const view = request.mode === "sync" ? fullView(created) : acceptedView(created);
  return { response: { status: request.mode === "sync" ? 200 : 202, body: JSON.stringify(view) }, order: created };
}

function createOrder(
  context: OrderContext,
  request: OrderRequest,
  order: ValidBody,
  priced: PricedItem[],
  totalPrice: Big,
): SimulatedOrder {
  const now = context.clock.now();
  const sync = request.mode === "sync";
  // A sync order is answered complete, so only async orders can fail or be slow.
  const outcome = !sync && chance(context.random, context.failureRate) ? "FAILED" : "COMPLETED";
  const slow = !sync && chance(context.random, context.faults.slowCompletionRate);
  const delay = sync ? 0 : context.completionDelayMs * (slow ? SLOW_COMPLETION_FACTOR : 1);
  const id = `O-${ulid(now, context.idRandom)}`;
  return {
    id,
    idempotencyKey: request.key,
    rawBody: request.rawBody,
    body: order,
    executionMode: request.mode,
    sendEmail: request.sendEmail,
    createdAt: now,
    completesAt: now + delay,
    outcome,
    // Async orders always start PROCESSING (settle() moves them on, refunding a failure); sync ones are done.
    status: sync ? "COMPLETED" : "PROCESSING",
    currency: order.payment_method.currency,
    totalPrice: toMoneyText(totalPrice),
    totalDiscount: toMoneyText(sum(priced.map((item) => item.faceValue)).minus(totalPrice)),
    ...(typeof order.description === "string" ? { description: order.description } : {}),
    ...(order.metadata ? { metadata: order.metadata } : {}),
    items: order.items.map((item, index) => {
      const itemId = `I-${ulid(now, context.idRandom)}`;
      const price = priced[index];
      if (!price) throw new Error("priced items out of step with order items");
      return {
        id: itemId,
        faceValue: toMoneyText(price.faceValue),
        price: toMoneyText(price.price),
        currency: price.currency,
        distributionMethod: item.distribution_method,
        products: price.detailedProducts,
        payoutUrl: `${context.baseUrl()}/redeem/${itemId}`,
      };
    }),
  };
}

function validationError(details: { type: string; message: string; location: string[] }[]): StoredResponse {
  return errorResponse(422, "validation_error", "The request body failed validation", { details });
}
