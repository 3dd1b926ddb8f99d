import { describe, expect, it } from "vitest";
import type { Attempt } from "../../src/runa/client.ts";
import { ACCOUNT_WIDE_ERRORS, isAccountWide, judge, retryDelayMs } from "../../src/runa/retry-policy.ts";
import { describeRefusal } from "../../src/batch/send-order.ts";
import { ERROR_HINTS, hintFor, STATUS_HINTS } from "../../src/report/error-hints.ts";
import { RUNA_ERROR_TYPES } from "../../src/runa/error-types.ts";

const httpError = (status: number, type: string): Attempt<unknown> => ({
  kind: "http_error",
  status,
  error: { type, message: type },
});
const foreign = (status: number): Attempt<unknown> => ({
  kind: "unrecognised",
  status,
  code: `http_${status}`,
  message: "<html>",
});

describe("judge", () => {
  it.each([
    ["a 202", { kind: "ok", status: 202, body: { id: "O-1" } } satisfies Attempt<unknown>, "success"],
    [
      "a connection reset",
      { kind: "network", code: "ECONNRESET", message: "socket hang up" } satisfies Attempt<unknown>,
      "retry:network",
    ],
    [
      "a timeout",
      { kind: "network", code: "ETIMEDOUT", message: "timeout" } satisfies Attempt<unknown>,
      "retry:network",
    ],
    ["a 500", httpError(500, "internal_server_error"), "retry:server_error"],
    ["a 504", httpError(504, "timeout"), "retry:server_error"],
    ["a 429", httpError(429, "rate_exceeded"), "retry:rate_limited"],
    ["a 400 idempotency_in_progress", httpError(400, "idempotency_in_progress"), "retry:in_progress"],
    ["a 102", httpError(102, "idempotency_in_progress"), "retry:in_progress"],
    ["insufficient_funds", httpError(400, "insufficient_funds"), "final:insufficient_funds"],
    [
      "idempotency_validation_error",
      httpError(400, "idempotency_validation_error"),
      "final:idempotency_validation_error",
    ],
    ["a 422", httpError(422, "validation_error"), "final:validation_error"],
    ["a 401", httpError(401, "unauthorized"), "final:unauthorized"],
    ["a 403 ordering_restricted", httpError(403, "ordering_restricted"), "final:ordering_restricted"],
    ["a 410 version_removed", httpError(410, "version_removed"), "final:version_removed"],
    ["a 404 not_found", httpError(404, "not_found"), "final:not_found"],
    // Not Runa's answer: the order may exist, so never final
    ["an HTML 408 from a proxy", foreign(408), "retry:unrecognised"],
    ["a 400 without Runa's body", foreign(400), "retry:unrecognised"],
    ["a 502 page", foreign(502), "retry:unrecognised"],
    ["a 2xx that is not JSON", foreign(200), "retry:unrecognised"],
    // Runa's shape, but a status Runa never answers: something in between made it
    ["a 409 in Runa's shape", httpError(409, "conflict"), "retry:unrecognised"],
    ["a 425 in Runa's shape", httpError(425, "too_early"), "retry:unrecognised"],
    // Runa's shape and status, but a type its docs do not list (one added later): the status decides
    ["a 400 with an unlisted type", httpError(400, "brand_new_refusal"), "final:brand_new_refusal"],
    ["a 503 with an unlisted type", httpError(503, "brand_new_outage"), "retry:server_error"],
  ])("%s is %s", (_name, attempt, expected) => {
    const verdict = judge(attempt);
    const label =
      verdict.verdict === "success"
        ? "success"
        : verdict.verdict === "retry"
          ? `retry:${verdict.reason}`
          : `final:${verdict.type}`;
    expect(label).toBe(expected);
  });
});

describe("account-wide refusals", () => {
  it.each([
    "insufficient_funds",
    "ordering_restricted",
    "payment_method_unavailable",
    "unauthorized",
    "invalid_api_key",
    "forbidden",
    "version_removed",
  ])("%s stops the run", (type) => {
    expect(isAccountWide(type)).toBe(true);
    expect(ACCOUNT_WIDE_ERRORS[type as keyof typeof ACCOUNT_WIDE_ERRORS].fix).not.toBe("");
  });
  it.each([
    "product_validation_error",
    "validation_error",
    "currency_mismatch",
    "not_found",
    "idempotency_validation_error",
    "toString",
    "constructor",
  ])("%s concerns one order only", (type) => {
    expect(isAccountWide(type)).toBe(false);
  });
});

describe("describeRefusal", () => {
  it("adds each 422 detail's location and message, at most five", () => {
    const details = Array.from({ length: 7 }, (_, i) => ({
      type: "missing",
      message: `field ${i} required`,
      location: ["body", "items", String(i)],
    }));
    expect(describeRefusal({ type: "validation_error", message: "Invalid", details: details.slice(0, 1) })).toBe(
      "Invalid: body.items.0: field 0 required",
    );
    expect(describeRefusal({ type: "validation_error", message: "Invalid", details })).toMatch(
      /body\.items\.4: field 4 required \(and 2 more\)$/,
    );
    expect(describeRefusal({ type: "insufficient_funds", message: "no money" })).toBe("no money");
  });
});

describe("retryDelayMs", () => {
  it("waits at least 5 s after a 429, and longer while they continue", () => {
    for (const random of [0, 0.5, 0.999]) {
      expect(retryDelayMs("rate_limited", 1, 1, () => random)).toBeGreaterThanOrEqual(5_000);
    }
    expect(retryDelayMs("rate_limited", 3, 1, () => 0)).toBeGreaterThan(retryDelayMs("rate_limited", 1, 1, () => 0));
  });

  it("grows exponentially for server errors and stays under the cap", () => {
    expect(retryDelayMs("server_error", 1, 1, () => 1)).toBe(1_000);
    expect(retryDelayMs("server_error", 3, 1, () => 1)).toBe(4_000);
    expect(retryDelayMs("server_error", 20, 1, () => 1)).toBe(60_000);
  });

  it("scales every wait for tests", () => {
    expect(retryDelayMs("rate_limited", 1, 0.01, () => 0)).toBe(50);
  });
});

describe("hints", () => {
  it("every Runa error type has its own hint; a type Runa's docs do not list falls back to the status's", () => {
    for (const type of RUNA_ERROR_TYPES) expect(hintFor("REJECTED", type)).toBe(ERROR_HINTS[type]);
    expect(hintFor("REJECTED", "brand_new_refusal")).toBe(STATUS_HINTS.REJECTED);
    expect(hintFor("REJECTED", "toString")).toBe(STATUS_HINTS.REJECTED); // not a hint inherited from Object
  });
});
