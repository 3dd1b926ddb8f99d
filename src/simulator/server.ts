// The HTTP layer of the simulator: Node's http module, routing, auth, version, rate limit, faults.
// Order decisions live in place-order.ts, memory in state.ts, wire shapes in views.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { API_VERSION } from "../runa/types.ts";
import type { RateLimitBurst } from "./options.ts";
import { paginate } from "./pagination.ts";
import { errorResponse, placeOrder, type OrderContext } from "./place-order.ts";
import { estimateOrder } from "./estimate-order.ts";
import { chance } from "./random.ts";
import { SlidingWindow, type RecordedRequest, type StoredResponse } from "./state.ts";
import { listView, lookupView } from "./views.ts";

/** Version 2023-07-27 was removed in November 2025: Runa answers 410 version_removed. */
const REMOVED_VERSIONS = new Set(["2023-07-27"]);
const DEFAULT_ORDER_PAGE_LIMIT = 100;
const DEFAULT_PRODUCT_PAGE_LIMIT = 500;
const CURRENCY = /^[A-Z]{3}$/;

type Reply =
  (StoredResponse & { contentType?: string; latencyApplied?: boolean }) | { drop: true; latencyApplied?: boolean };

export interface HandlerSettings extends OrderContext {
  apiKey: string | undefined;
  ordersPerMinute: number;
}

/** Returns the request listener for one simulator. */
export function createHandler(settings: HandlerSettings): (request: IncomingMessage, response: ServerResponse) => void {
  const { state, clock } = settings;
  const window = new SlidingWindow(settings.ordersPerMinute);
  let orderPostsCounted = 0;

  // Read at every request, so a test can slow the simulator down for one run and speed it up for the next.
  const delay = async (): Promise<void> => {
    const latencyMs = settings.faults.latencyMs ?? 0;
    if (latencyMs > 0) await sleep(latencyMs);
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const receivedAt = clock.now();
    const rawBody = await readBody(request);
    const url = new URL(request.url ?? "/", "http://simulator.invalid");
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    const record: RecordedRequest = {
      method: request.method ?? "GET",
      path,
      query: queryRecord(url.searchParams),
      headers: { ...request.headers },
      rawBody,
      receivedAt,
    };
    state.requests.push(record);
    state.settle();

    let reply: Reply;
    try {
      reply = await route(record, request, url.searchParams);
    } catch (error) {
      reply = errorResponse(
        500,
        "internal_server_error",
        `simulator bug: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (!reply.latencyApplied) await delay();
    if ("drop" in reply) {
      record.responseStatus = "dropped";
      request.socket.destroy();
      return;
    }
    record.responseStatus = reply.status;
    // Runa names the version it answered in on every response; the simulator speaks only one.
    response.writeHead(reply.status, {
      "content-type": reply.contentType ?? "application/json",
      "x-api-version": API_VERSION,
    });
    response.end(reply.body);
  }

  async function route(record: RecordedRequest, request: IncomingMessage, query: URLSearchParams): Promise<Reply> {
    const { method, path } = record;
    const segments = path.split("/").slice(1).map(decodeURIComponent);
    if (method === "GET" && path === "/ping") return json(200, { message: "pong" });
    if (method === "GET" && segments[0] === "redeem" && segments.length === 2) return redeemPage(segments[1] ?? "");

    const refusal = authRefusal(request) ?? versionRefusal(request);
    if (refusal) return refusal;

    if (path === "/order" && method === "POST") return postOrder(request, record.rawBody, record.receivedAt);
    if (path === "/order/estimate" && method === "POST") return estimateOrder(state.catalog, record.rawBody);
    if (method !== "GET") return errorResponse(404, "not_found", `no route ${method} ${path}`);
    if (path === "/balance") return getBalance(query);
    if (path === "/order") return getOrders(query);
    if (path === "/product") return getProducts(query);
    if (path === "/product/countries") return json(200, { countries: productCountries() });
    if (path === "/product/categories") return json(200, { categories: productCategories().map((code) => ({ code })) });
    if (segments.length === 2 && segments[0] === "order") return getOrder(segments[1] ?? "");
    if (segments.length === 2 && segments[0] === "product") return getProduct(segments[1] ?? "");
    return errorResponse(404, "not_found", `no route GET ${path}`);
  }

  function authRefusal(request: IncomingMessage): Reply | undefined {
    const key = header(request, "x-api-key");
    if (!key) return errorResponse(401, "unauthorized", "the X-Api-Key header is missing");
    if (settings.apiKey !== undefined && key !== settings.apiKey)
      return errorResponse(401, "unauthorized", "the API key is not valid");
    return undefined;
  }

  /**
   * The spec: "if not specified a default is used", the account's default version; the simulated
   * account's default is the one version it speaks. Any other version is refused.
   */
  function versionRefusal(request: IncomingMessage): Reply | undefined {
    const version = header(request, "x-api-version");
    if (version === undefined || version === "" || version === API_VERSION) return undefined;
    if (version !== undefined && REMOVED_VERSIONS.has(version)) {
      return errorResponse(410, "version_removed", `API version ${version} has been removed; use ${API_VERSION}`);
    }
    return errorResponse(400, "invalid_version", `X-Api-Version must be ${API_VERSION}`);
  }

  /**
   * Order of checks: (auth, version), rate window, rate-limit burst, execution mode, idempotency key,
   * injected 500 and in-progress faults, idempotency store, then (key reserved, latency) the order.
   */
  async function postOrder(request: IncomingMessage, rawBody: string, receivedAt: number): Promise<Reply> {
    if (!window.admit(receivedAt)) return rateExceeded();
    orderPostsCounted += 1;
    if (inBurst(settings.faults.rateLimitBurst, orderPostsCounted)) return rateExceeded();

    const mode = header(request, "x-execution-mode") ?? "async";
    if (mode !== "async" && mode !== "sync") {
      return errorResponse(400, "invalid_execution_mode", "X-Execution-Mode must be async or sync");
    }
    const key = header(request, "x-idempotency-key");
    if (!key) return errorResponse(400, "bad_request", "the X-Idempotency-Key header is required");

    const storeServerErrors = settings.faults.storeServerErrors === true;
    if (!storeServerErrors && chance(settings.random, settings.faults.serverErrorRate)) {
      return errorResponse(500, "internal_server_error", "simulated server error; nothing was committed");
    }
    if (chance(settings.random, settings.faults.idempotencyInProgressRate)) return inProgress();

    const previous = state.idempotency.lookup(key, rawBody);
    if (previous.kind === "in_flight") return inProgress();
    if (previous.kind === "replay") return previous.response;
    if (previous.kind === "different_body") {
      return errorResponse(
        400,
        "idempotency_validation_error",
        "this idempotency key was used with a different request body",
      );
    }

    if (storeServerErrors && chance(settings.random, settings.faults.serverErrorRate)) {
      const stored = errorResponse(
        500,
        "internal_server_error",
        "simulated server error, stored for this key; nothing was committed",
      );
      state.idempotency.store(key, rawBody, stored);
      return stored;
    }
    state.idempotency.reserve(key, rawBody);
    let placed;
    try {
      await delay();
      // The playground's documented test header: emails go out only when asked for.
      placed = placeOrder(settings, {
        key,
        rawBody,
        mode,
        sendEmail: header(request, "x-send-email")?.toLowerCase() === "true",
      });
    } catch (error) {
      state.idempotency.release(key);
      throw error;
    }
    state.idempotency.store(key, rawBody, placed.response);
    // Only a committed order times out or drops: the client must recover it with the same key.
    if (placed.order && chance(settings.random, settings.faults.timeoutRate)) {
      return {
        ...errorResponse(504, "timeout", "simulated gateway timeout after the order was committed"),
        latencyApplied: true,
      };
    }
    if (placed.order && chance(settings.random, settings.faults.dropAfterCommitRate))
      return { drop: true, latencyApplied: true };
    return { ...placed.response, latencyApplied: true };
  }

  function getOrder(id: string): Reply {
    const order = state.order(id);
    return order ? json(200, lookupView(order)) : errorResponse(404, "not_found", `order ${id} not found`);
  }

  function getOrders(query: URLSearchParams): Reply {
    const page = paginate(state.orders, (order) => order.id, query, DEFAULT_ORDER_PAGE_LIMIT);
    if (!page.ok) return errorResponse(400, "pagination_error", page.message);
    return json(200, { items: page.items.map(listView), pagination: page.pagination });
  }

  function getProducts(query: URLSearchParams): Reply {
    const orderable = query.get("is_orderable");
    if (orderable !== null && orderable !== "true" && orderable !== "false") {
      return errorResponse(400, "bad_request", "is_orderable must be true or false");
    }
    const countries = listParameter(query, "countries_redeemable_in");
    const categories = listParameter(query, "categories");
    const page = paginate(
      state.catalog.products,
      (product) => product.code,
      query,
      DEFAULT_PRODUCT_PAGE_LIMIT,
      (product) =>
        // The spec: `true` returns only orderable products, `false` returns all of them.
        (orderable !== "true" || product.is_orderable) &&
        (countries.length === 0 || product.countries_redeemable_in.some((country) => countries.includes(country))) &&
        (categories.length === 0 || (product.categories ?? []).some((category) => categories.includes(category))),
    );
    if (!page.ok) return errorResponse(400, "pagination_error", page.message);
    return json(200, { catalog: page.items, pagination: page.pagination });
  }

  function getProduct(code: string): Reply {
    const product = state.catalog.product(code);
    return product ? json(200, product) : errorResponse(404, "not_found", `product ${code} not found`);
  }

  function getBalance(query: URLSearchParams): Reply {
    const currency = query.get("currency");
    if (currency === null) return json(200, state.allBalances());
    if (!CURRENCY.test(currency)) return errorResponse(400, "bad_request", "currency must be an ISO 4217 code");
    return json(200, { balance: state.balance(currency), currency });
  }

  function productCountries(): string[] {
    return [...new Set(state.catalog.products.flatMap((product) => product.countries_redeemable_in))].sort();
  }

  function productCategories(): string[] {
    return [...new Set(state.catalog.products.flatMap((product) => product.categories ?? []))].sort();
  }

  function redeemPage(itemId: string): Reply {
    for (const order of state.orders) {
      const item = order.items.find((candidate) => candidate.id === itemId);
      if (!item) continue;
      const lines = [
        "SIMULATED payout link, not real money.",
        "Issued by the runa-batch local simulator; nothing here can be redeemed.",
        `Order ${order.id} (${order.status}), item ${item.id}: ${item.faceValue} ${item.currency}`,
        `Products: ${JSON.stringify(item.products)}`,
      ];
      return { status: 200, body: `${lines.join("\n")}\n`, contentType: "text/plain; charset=utf-8" };
    }
    return { status: 404, body: "SIMULATED payout link: no such item.\n", contentType: "text/plain; charset=utf-8" };
  }

  return (request, response) => {
    handle(request, response).catch(() => request.socket.destroy());
  };
}

/** Request n (from 1) of a burst cycle is refused when it is among the last `length` of each `every`. */
export function inBurst(burst: RateLimitBurst | undefined, n: number): boolean {
  if (!burst || burst.every <= 0 || burst.length <= 0) return false;
  return (n - 1) % burst.every >= burst.every - burst.length;
}

function rateExceeded(): Reply {
  // Runa's 429 body differs from every other error: {"error": "rate exceeded"}.
  return json(429, { error: "rate exceeded" });
}

function inProgress(): Reply {
  return errorResponse(400, "idempotency_in_progress", "a request with this idempotency key is still being processed");
}

function json(status: number, body: unknown): Reply {
  return { status, body: JSON.stringify(body) };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Array query parameters, repeated (`a=US&a=GB`) or comma-separated (`a=US,GB`). */
function listParameter(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value !== "");
}

function queryRecord(query: URLSearchParams): Record<string, string[]> {
  const record: Record<string, string[]> = {};
  for (const [name, value] of query) record[name] = [...(record[name] ?? []), value];
  return record;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
