// The edit check compares a row, as orderBody would build its item, with its item in the journaled
// body: equal for an unchanged row, whatever it shares an order with, and different for any edit
// of what it asks Runa to deliver.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asksFor, orderBody, parseBody } from "../../src/batch/order-body.ts";
import type { OrderLine } from "../../src/input/order-line.ts";
import type { NewOrderItem } from "../../src/runa/types.ts";

const amount = fc
  .tuple(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 99 }))
  .map(([whole, cents]) => `${whole}.${String(cents).padStart(2, "0")}`);
const products: fc.Arbitrary<OrderLine["products"]> = fc.oneof(
  fc.constantFrom("AMZ-US", "TGT-US").map((value) => ({ type: "SINGLE" as const, value })),
  fc.constant(null).map(() => ({ type: "MULTIPLE" as const, values: ["STB-US", "AMZ-US"] })),
  fc.constant(null).map(() => ({ type: "TEMPLATE" as const, template_id: "PT-01HQ12PV4B8XMBRTK281JM54KK" })),
);
const distribution: fc.Arbitrary<OrderLine["distribution"]> = fc.oneof(
  fc.constant({ type: "PAYOUT_LINK" as const }),
  fc.emailAddress().map((email_address) => ({ type: "EMAIL" as const, email_address })),
);
/** Rows that can share an order: one currency and description, anything else free. */
const orderLines = fc
  .tuple(
    fc.option(fc.string(), { nil: undefined }),
    fc.array(fc.tuple(amount, products, distribution), { minLength: 1, maxLength: 30 }),
  )
  .map(([description, rows]) =>
    rows.map(([rowAmount, rowProducts, rowDistribution], index): OrderLine => ({
      amount: rowAmount,
      currency: "USD",
      products: rowProducts,
      distribution: rowDistribution,
      country: "US",
      fingerprint: `fp-${index}`,
      contentId: `c-${index}`,
      ...(description === undefined ? {} : { description }),
    })),
  );

describe("the edit check's comparison", () => {
  it("finds every row unchanged against its own item, for any rows sharing an order", () => {
    fc.assert(
      fc.property(orderLines, (lines) => {
        const body = parseBody(orderBody(lines, { batch_id: "b" }));
        expect(lines.map((line, index) => asksFor(line, body, body.items[index]))).toEqual(lines.map(() => true));
      }),
    );
  });

  it("finds a row changed against another row's different item, or none", () => {
    fc.assert(
      fc.property(orderLines, (lines) => {
        const body = parseBody(orderBody(lines));
        lines.forEach((line, index) => {
          const other = body.items.findIndex((item) => JSON.stringify(item) !== JSON.stringify(body.items[index]));
          if (other !== -1) expect(asksFor(line, body, body.items[other])).toBe(false);
          expect(asksFor(line, body, undefined)).toBe(false);
        });
      }),
    );
  });

  it("differ when what the row delivers is edited", () => {
    const row: OrderLine = {
      amount: "10.00",
      currency: "USD",
      products: { type: "SINGLE", value: "AMZ-US" },
      distribution: { type: "EMAIL", email_address: "kim@example.com" },
      country: "US",
      fingerprint: "fp",
      contentId: "c",
    };
    const body = parseBody(orderBody([row]));
    expect(asksFor(row, body, body.items[0])).toBe(true);
    for (const edit of [
      { amount: "10.01" },
      { distribution: { type: "EMAIL" as const, email_address: "lee@example.com" } },
      { products: { type: "SINGLE" as const, value: "TGT-US" } },
      { description: "Thanks" },
      { currency: "CAD" },
    ]) {
      expect(asksFor({ ...row, ...edit }, body, body.items[0])).toBe(false);
    }
    // What the journal holds counts, not how its keys are ordered; anything extra in it is a difference.
    const { products, distribution_method, face_value } = body.items[0]!;
    expect(asksFor(row, body, { products, distribution_method, face_value })).toBe(true);
    expect(asksFor(row, body, { ...body.items[0]!, extra: 1 } as NewOrderItem)).toBe(false);
    expect(asksFor(row, body, { ...body.items[0]!, face_value: 10.01 })).toBe(false);
  });
});
