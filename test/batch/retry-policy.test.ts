import { describe, expect, it } from "vitest";
import type { Attempt } from "../../src/runa/client.ts";
import { judge, retryDelayMs } from "../../src/runa/retry-policy.ts";

const httpError = (status: number, type: string): Attempt<unknown> => ({ kind: "http_error", status, error: { type, message: type } });

describe("judge", () => {
  it.each([
    ["a 202", { kind: "ok", status: 202, body: { id: "O-1" } } as Attempt<unknown>, "success"],
    ["a connection reset", { kind: "network", code: "ECONNRESET", message: "socket hang up" } as Attempt<unknown>, "retry:network"],
    ["a timeout", { kind: "network", code: "ETIMEDOUT", message: "timeout" } as Attempt<unknown>, "retry:network"],
    ["a 500", httpError(500, "internal_server_error"), "retry:server_error"],
    ["a 504", httpError(504, "timeout"), "retry:server_error"],
    ["a 429", httpError(429, "rate_exceeded"), "retry:rate_limited"],
    ["a 400 idempotency_in_progress", httpError(400, "idempotency_in_progress"), "retry:in_progress"],
    ["a 102", httpError(102, "idempotency_in_progress"), "retry:in_progress"],
    ["insufficient_funds", httpError(400, "insufficient_funds"), "final:insufficient_funds"],
    ["idempotency_validation_error", httpError(400, "idempotency_validation_error"), "final:idempotency_validation_error"],
    ["a 422", httpError(422, "validation_error"), "final:validation_error"],
    ["a 401", httpError(401, "unauthorized"), "final:unauthorized"],
    ["a 403 ordering_restricted", httpError(403, "ordering_restricted"), "final:ordering_restricted"],
  ])("%s is %s", (_name, attempt, expected) => {
    const verdict = judge(attempt);
    const label = verdict.verdict === "success" ? "success" : verdict.verdict === "retry" ? `retry:${verdict.reason}` : `final:${verdict.type}`;
    expect(label).toBe(expected);
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
