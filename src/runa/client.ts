// The one place that talks HTTP to Runa. Each call is ONE attempt: retries are decided by
// retry-policy.ts and paced by the limiters in batch/, so nothing here retries on its own.
import type { Got } from "got";
import {
  API_VERSION,
  type ApiErrorBody,
  type Balance,
  type OrderEstimate,
  type OrderLookup,
  type OrderPage,
  type ProductPage,
} from "./types.ts";

/** What one HTTP attempt came to. Network failures are values, not exceptions, so callers branch once. */
export type Attempt<T> =
  | { kind: "ok"; status: number; body: T }
  /** Runa answered with its error body: `{type, message}`, or 429's `{"error": ...}`. */
  | { kind: "http_error"; status: number; error: HttpErrorDetail }
  /**
   * An HTTP answer that is not a well-formed Runa answer (a proxy's HTML page, a truncated or empty
   * error body): it proves nothing about the order, exactly like a network failure. `code` is
   * `http_<status>`.
   */
  | { kind: "unrecognised"; status: number; code: string; message: string }
  | { kind: "network"; code: string; message: string };

export interface HttpErrorDetail {
  /** Runa's error `type`, or `rate_exceeded` for the 429 body `{"error": "rate exceeded"}`. */
  type: string;
  message: string;
  details?: ApiErrorBody["details"];
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Per-attempt timeout; a POST that times out has an unknown outcome and is retried with the same key. */
  requestTimeoutMs?: number;
  /** Playground only: ask Runa to really send EMAIL items' emails (X-Send-Email: true). */
  sendEmails?: boolean;
  /** Told once when Runa answers with an `X-Api-Version` other than the one we speak. */
  warn?: (message: string) => void;
}

export interface PageQuery {
  after?: string;
  limit?: number;
}

export interface ProductQuery extends PageQuery {
  is_orderable?: boolean;
  countries_redeemable_in?: string;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class RunaClient {
  readonly #options: ClientOptions;
  readonly #warn: ((message: string) => void) | undefined;
  #http: Promise<Got> | undefined;
  #versionChecked = false;

  constructor(options: ClientOptions) {
    this.#options = options;
    this.#warn = options.warn;
  }

  /** got is loaded at the first request, so commands that send nothing start without it. */
  #client(): Promise<Got> {
    const options = this.#options;
    this.#http ??= import("got").then(({ default: got }) =>
      got.extend({
        prefixUrl: options.baseUrl,
        headers: { "x-api-key": options.apiKey, "x-api-version": API_VERSION, accept: "application/json" },
        throwHttpErrors: false,
        retry: { limit: 0 },
        timeout: { request: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS },
        responseType: "text",
        followRedirect: false,
      }),
    );
    return this.#http;
  }

  /**
   * POST /order in async mode. `body` is the exact JSON text: the same row must send the same bytes
   * on every run, or Runa answers idempotency_validation_error for the reused key.
   */
  createOrder(body: string, idempotencyKey: string): Promise<Attempt<{ id: string; status: string }>> {
    return this.#send("order", {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-execution-mode": "async",
        "x-idempotency-key": idempotencyKey,
        ...(this.#options.sendEmails ? { "x-send-email": "true" } : {}),
      },
    });
  }

  /** POST /order/estimate: the exact price of an order (up to 500 items), nothing ordered. */
  estimateOrder(body: string): Promise<Attempt<OrderEstimate>> {
    return this.#send("order/estimate", { method: "POST", body, headers: { "content-type": "application/json" } });
  }

  getOrder(orderId: string): Promise<Attempt<OrderLookup>> {
    return this.#send(`order/${encodeURIComponent(orderId)}`, { method: "GET" });
  }

  listProducts(query: ProductQuery = {}): Promise<Attempt<ProductPage>> {
    return this.#send("product", { method: "GET", searchParams: searchParams(query) });
  }

  /** GET /order: one page of the account's orders, from the `after` cursor on. */
  listOrders(query: PageQuery = {}): Promise<Attempt<OrderPage>> {
    return this.#send("order", { method: "GET", searchParams: searchParams(query) });
  }

  getBalance(currency: string): Promise<Attempt<Balance>> {
    return this.#send("balance", { method: "GET", searchParams: { currency } });
  }

  async #send<T>(
    path: string,
    options: {
      method: "GET" | "POST";
      body?: string;
      headers?: Record<string, string>;
      searchParams?: Record<string, string>;
    },
  ): Promise<Attempt<T>> {
    try {
      const http = await this.#client();
      const response = await http(path, options);
      this.#checkVersion(response.headers["x-api-version"]);
      const status = response.statusCode;
      const parsed = parseJson(response.body);
      if (parsed === NOT_JSON) return unrecognised(status, response.body);
      if (status >= 200 && status < 300) return { kind: "ok", status, body: parsed as T };
      const error = runaError(status, parsed);
      return error ? { kind: "http_error", status, error } : unrecognised(status, response.body);
    } catch (error) {
      const { code = "ERR_NETWORK", message } = error as { code?: string; message: string };
      return { kind: "network", code, message };
    }
  }

  #checkVersion(header: string | string[] | undefined): void {
    const version = Array.isArray(header) ? header[0] : header;
    if (this.#versionChecked || version === undefined) return;
    this.#versionChecked = true;
    if (version !== API_VERSION) {
      this.#warn?.(
        `Runa answered with API version ${version}, not ${API_VERSION} that this tool speaks; check that runa-batch is up to date`,
      );
    }
  }
}

const NOT_JSON = Symbol("not JSON");

function searchParams(query: object): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params[name] = String(value);
  return params;
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/** Runa's error body, or undefined when the body is not one (then Runa's answer is not proven). */
function runaError(status: number, body: unknown): HttpErrorDetail | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) return undefined;
  const record = body as Partial<ApiErrorBody> & { error?: unknown };
  if (typeof record.type === "string" && record.type !== "" && typeof record.message === "string") {
    const detail: HttpErrorDetail = { type: record.type, message: record.message };
    if (Array.isArray(record.details)) detail.details = record.details;
    return detail;
  }
  // 429's body differs from every other error: {"error": "rate exceeded"}.
  if (status === 429 && typeof record.error === "string") return { type: "rate_exceeded", message: record.error };
  return undefined;
}

function unrecognised(status: number, body: string): Attempt<never> {
  const text = body.replace(/\s+/g, " ").trim().slice(0, 120);
  return {
    kind: "unrecognised",
    status,
    code: `http_${status}`,
    message: `HTTP ${status} without Runa's answer body${text ? `: ${text}` : ""}`,
  };
}
