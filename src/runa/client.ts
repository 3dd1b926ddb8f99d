// The one place that talks HTTP to Runa. Each call is ONE attempt: retries are decided by
// retry-policy.ts and paced by the limiters in batch/, so nothing here retries on its own.
import type { Got } from "got";
import { API_VERSION, type ApiErrorBody, type Balance, type OrderLookup, type ProductPage } from "./types.ts";

/** What one HTTP attempt came to. Network failures are values, not exceptions, so callers branch once. */
export type Attempt<T> =
  | { kind: "ok"; status: number; body: T }
  | { kind: "http_error"; status: number; error: HttpErrorDetail }
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
}

export interface ProductQuery {
  after?: string;
  limit?: number;
  is_orderable?: boolean;
  countries_redeemable_in?: string;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export class RunaClient {
  readonly #options: ClientOptions;
  #http: Promise<Got> | undefined;

  constructor(options: ClientOptions) {
    this.#options = options;
  }

  /** got is loaded at the first request, so commands that send nothing start without it. */
  #client(): Promise<Got> {
    const options = this.#options;
    this.#http ??= import("got").then(({ default: got }) => got.extend({
      prefixUrl: options.baseUrl,
      headers: { "x-api-key": options.apiKey, "x-api-version": API_VERSION, accept: "application/json" },
      throwHttpErrors: false,
      retry: { limit: 0 },
      timeout: { request: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS },
      responseType: "text",
      followRedirect: false,
    }));
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
      headers: { "content-type": "application/json", "x-execution-mode": "async", "x-idempotency-key": idempotencyKey },
    });
  }

  getOrder(orderId: string): Promise<Attempt<OrderLookup>> {
    return this.#send(`order/${encodeURIComponent(orderId)}`, { method: "GET" });
  }

  listProducts(query: ProductQuery = {}): Promise<Attempt<ProductPage>> {
    const searchParams: Record<string, string> = {};
    for (const [name, value] of Object.entries(query)) if (value !== undefined) searchParams[name] = String(value);
    return this.#send("product", { method: "GET", searchParams });
  }

  getBalance(currency: string): Promise<Attempt<Balance>> {
    return this.#send("balance", { method: "GET", searchParams: { currency } });
  }

  async #send<T>(
    path: string,
    options: { method: "GET" | "POST"; body?: string; headers?: Record<string, string>; searchParams?: Record<string, string> },
  ): Promise<Attempt<T>> {
    try {
      const http = await this.#client();
      const response = await http(path, options);
      const parsed = parseJson(response.body);
      if (response.statusCode >= 200 && response.statusCode < 300) {
        return { kind: "ok", status: response.statusCode, body: parsed as T };
      }
      return { kind: "http_error", status: response.statusCode, error: errorDetail(response.statusCode, parsed) };
    } catch (error) {
      const { code = "ERR_NETWORK", message } = error as { code?: string; message: string };
      return { kind: "network", code, message };
    }
  }
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorDetail(status: number, body: unknown): HttpErrorDetail {
  if (body && typeof body === "object") {
    const record = body as Partial<ApiErrorBody> & { error?: string };
    if (typeof record.type === "string") {
      const detail: HttpErrorDetail = { type: record.type, message: String(record.message ?? "") };
      if (record.details) detail.details = record.details;
      return detail;
    }
    if (status === 429 || record.error === "rate exceeded") return { type: "rate_exceeded", message: record.error ?? "rate exceeded" };
  }
  return { type: status === 429 ? "rate_exceeded" : `http_${status}`, message: typeof body === "string" ? body.slice(0, 200) : "" };
}
