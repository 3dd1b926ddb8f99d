import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { idempotencyKey, orderKey } from "../../src/batch/idempotency-key.ts";

describe("idempotencyKey", () => {
  it("is a deterministic UUID that changes with the batch, the fingerprint and the generation", () => {
    fc.assert(
      fc.property(fc.string(), fc.stringMatching(/^[0-9a-f]{64}$/), fc.nat(5), (batch, fp, gen) => {
        const key = idempotencyKey(batch, fp, gen);
        expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(idempotencyKey(batch, fp, gen)).toBe(key);
        expect(idempotencyKey(`${batch}x`, fp, gen)).not.toBe(key);
        expect(idempotencyKey(batch, fp, gen + 1)).not.toBe(key);
      }),
    );
  });

  it("gives a one-row order its row's key and a group a key of its own, fixed by its members in order", () => {
    const a = idempotencyKey("b", "a".repeat(64), 0);
    const b = idempotencyKey("b", "b".repeat(64), 0);
    expect(orderKey([a])).toBe(a);
    expect(orderKey([a, b])).toBe(orderKey([a, b]));
    expect(orderKey([a, b])).not.toBe(orderKey([b, a]));
    expect(orderKey([a, b])).not.toBe(a);
  });
});
