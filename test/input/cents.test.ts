// The integer-cents path used to sum large files agrees with the big.js helpers everywhere.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centsToText, discountedCents, discountedPrice, keptFraction, toCents, toMoneyText } from "../../src/money.ts";

const amount = fc.bigInt({ min: 0n, max: 10n ** 13n }).map((cents) => centsToText(cents));
const multiplier = fc.oneof(
  fc.integer({ min: 0, max: 100 }).map((n) => (n / 100).toFixed(2)),
  fc.integer({ min: 0, max: 10_000 }).map((n) => (n / 10_000).toFixed(4)),
  fc.constantFrom("0", "0.3", "0.03", "0.1000", "1.00"),
);

describe("integer cents", () => {
  it("round-trips canonical amounts", () => {
    fc.assert(
      fc.property(amount, (text) => {
        expect(centsToText(toCents(text))).toBe(text);
      }),
    );
    expect(centsToText(-5n)).toBe("-0.05");
    expect(() => toCents("10.5")).toThrow();
  });

  it("prices like discountedPrice (face x (1 - multiplier), half-up to the cent)", () => {
    fc.assert(
      fc.property(amount, multiplier, (face, discount) => {
        expect(centsToText(discountedCents(toCents(face), keptFraction(discount)))).toBe(
          toMoneyText(discountedPrice(face, discount)),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("rounds a half cent up", () => {
    // 0.10 x 0.95 = 0.095 -> 0.10; 10.10 x 0.97 = 9.797 -> 9.80
    expect(discountedCents(10n, keptFraction("0.05"))).toBe(10n);
    expect(discountedCents(1010n, keptFraction("0.03"))).toBe(980n);
  });
});
