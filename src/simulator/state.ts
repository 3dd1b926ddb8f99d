// Everything the simulator remembers, inspectable by tests: orders, requests, balances, stored
// idempotent responses and the rate window. The HTTP layer (server.ts) only reads and writes it here.
import type Big from "big.js";
import { decimal, isAmountText, toMoneyText } from "../money.ts";
import type { OrderStatus } from "../runa/types.ts";
import type { Catalog } from "./catalog.ts";
import { IDEMPOTENCY_TTL_MS, RATE_WINDOW_MS, type Clock } from "./options.ts";

export interface SimulatedOrderItem {
  id: string;
  faceValue: string;
  price: string;
  currency: string;
  distributionMethod: unknown;
  /** The `products` object as the completed order shows it. */
  products: unknown;
  payoutUrl: string;
}

export interface SimulatedOrder {
  id: string;
  idempotencyKey: string;
  /** The request body exactly as received. */
  rawBody: string;
  body: unknown;
  executionMode: "sync" | "async";
  createdAt: number;
  /** When an async order leaves PROCESSING (by the injected clock). */
  completesAt: number;
  /** How the order ends; `status` becomes this at `completesAt`. */
  outcome: "COMPLETED" | "FAILED";
  status: OrderStatus;
  currency: string;
  totalPrice: string;
  totalDiscount: string;
  description?: string;
  metadata?: Record<string, string>;
  /** The playground's X-Send-Email: true was sent: Runa would really email EMAIL items (the simulator never does). */
  sendEmail: boolean;
  items: SimulatedOrderItem[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  receivedAt: number;
  /** The status answered; "dropped" when the socket was destroyed without an answer; undefined while in flight. */
  responseStatus?: number | "dropped";
}

export interface StoredResponse {
  status: number;
  body: string;
}

type IdempotencyEntry =
  | { state: "in_flight"; rawBody: string }
  | { state: "stored"; rawBody: string; response: StoredResponse; storedAt: number };

export type IdempotencyLookup =
  { kind: "new" } | { kind: "in_flight" } | { kind: "replay"; response: StoredResponse } | { kind: "different_body" };

/**
 * Runa's idempotency store: per key the raw body and the response, kept 30 days. Same key and
 * identical body replays the response (4xx included); a different body is refused; a key whose
 * first request is still being handled is "in progress". Bodies compare byte for byte.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, IdempotencyEntry>();

  constructor(private readonly clock: Clock) {}

  lookup(key: string, rawBody: string): IdempotencyLookup {
    const entry = this.entries.get(key);
    if (!entry) return { kind: "new" };
    if (entry.state === "in_flight") return { kind: "in_flight" };
    if (this.clock.now() - entry.storedAt >= IDEMPOTENCY_TTL_MS) {
      this.entries.delete(key);
      return { kind: "new" };
    }
    return entry.rawBody === rawBody ? { kind: "replay", response: entry.response } : { kind: "different_body" };
  }

  reserve(key: string, rawBody: string): void {
    this.entries.set(key, { state: "in_flight", rawBody });
  }

  store(key: string, rawBody: string, response: StoredResponse): void {
    this.entries.set(key, { state: "stored", rawBody, response, storedAt: this.clock.now() });
  }

  /** Forgets an in-flight reservation that never produced a response (an internal error). */
  release(key: string): void {
    if (this.entries.get(key)?.state === "in_flight") this.entries.delete(key);
  }
}

/** Strict sliding window: a request is refused when `limit` were received in the last RATE_WINDOW_MS, refused ones included. */
export class SlidingWindow {
  private readonly times: number[] = [];
  private head = 0;

  constructor(private readonly limit: number) {}

  /** Records a request at `now`; true when it is within the limit. */
  admit(now: number): boolean {
    while (this.head < this.times.length && (this.times[this.head] ?? now) <= now - RATE_WINDOW_MS) this.head++;
    if (this.head > 1024) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    const allowed = this.times.length - this.head < this.limit;
    this.times.push(now);
    return allowed;
  }
}

export class SimulatorState {
  readonly orders: SimulatedOrder[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly idempotency: IdempotencyStore;
  private readonly byId = new Map<string, SimulatedOrder>();
  private readonly balances = new Map<string, Big>();
  private readonly processing = new Set<SimulatedOrder>();

  constructor(
    private readonly clock: Clock,
    readonly catalog: Catalog,
    balances: Record<string, string>,
  ) {
    this.idempotency = new IdempotencyStore(clock);
    for (const [currency, amount] of Object.entries(balances))
      this.balances.set(currency, decimal(checkedAmount(amount)));
  }

  countOrders(): number {
    return this.orders.length;
  }

  /** Orders by idempotency key; a key has more than one order only after its 30 days ran out. */
  ordersByKey(): Map<string, SimulatedOrder[]> {
    const byKey = new Map<string, SimulatedOrder[]>();
    for (const order of this.orders)
      byKey.set(order.idempotencyKey, [...(byKey.get(order.idempotencyKey) ?? []), order]);
    return byKey;
  }

  order(id: string): SimulatedOrder | undefined {
    this.settle();
    return this.byId.get(id);
  }

  /** How many POST /order requests arrived (every one, whatever its answer). */
  countOrderPosts(): number {
    return this.requests.filter(isOrderPost).length;
  }

  /** How many POST /order requests were answered 429. */
  countRateLimited(): number {
    return this.requests.filter((request) => isOrderPost(request) && request.responseStatus === 429).length;
  }

  topUp(currency: string, amount: string): void {
    this.balances.set(currency, (this.balanceOf(currency) ?? decimal(0)).plus(checkedAmount(amount)));
  }

  /** The balance as a two-place decimal string ("0.00" for a currency with no account). */
  balance(currency: string): string {
    this.settle();
    return toMoneyText(this.balanceOf(currency) ?? decimal(0));
  }

  /** Every account, by currency code. */
  allBalances(): { currency: string; balance: string }[] {
    this.settle();
    return [...this.balances.keys()].sort().map((currency) => ({ currency, balance: this.balance(currency) }));
  }

  hasAccount(currency: string): boolean {
    return this.balances.has(currency);
  }

  balanceOf(currency: string): Big | undefined {
    return this.balances.get(currency);
  }

  debit(currency: string, amount: Big): void {
    this.balances.set(currency, (this.balanceOf(currency) ?? decimal(0)).minus(amount));
  }

  setOrderable(code: string, orderable: boolean): void {
    this.catalog.setOrderable(code, orderable);
  }

  addOrder(order: SimulatedOrder): void {
    this.orders.push(order);
    this.byId.set(order.id, order);
    if (order.status === "PROCESSING") this.processing.add(order);
  }

  /** Moves every order whose time has come to its outcome; a FAILED order's price goes back to the balance. */
  settle(): void {
    const now = this.clock.now();
    for (const order of this.processing) {
      if (order.completesAt > now) continue;
      order.status = order.outcome;
      this.processing.delete(order);
      if (order.outcome === "FAILED") this.debit(order.currency, decimal(order.totalPrice).times(-1));
    }
  }
}

function isOrderPost(request: RecordedRequest): boolean {
  return request.method === "POST" && request.path === "/order";
}

function checkedAmount(amount: string): string {
  if (!isAmountText(amount)) throw new Error(`not a decimal amount: ${JSON.stringify(amount)}`);
  return amount;
}
