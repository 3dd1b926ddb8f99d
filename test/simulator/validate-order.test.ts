// The simulator's hand-written POST /order body validation must agree with the spec (via ajv).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateNewOrder } from "../../src/simulator/validate-order.ts";
import { validateRequestBody } from "../helpers/openapi.ts";

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
/** Mostly valid values, sometimes invalid ones, so that about one body in five is valid as a whole. */
const mostly = (valid: fc.Arbitrary<unknown>, invalid: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: valid, weight: 8 }, { arbitrary: invalid, weight: 1 });

const paymentMethod = mostly(
  pick({ type: "ACCOUNT_BALANCE", currency: "USD" }, { type: "ACCOUNT_BALANCE", currency: "EUR" }),
  pick<unknown>(
    { type: "CARD", currency: "USD" },
    { type: "ACCOUNT_BALANCE" },
    { type: "ACCOUNT_BALANCE", currency: "usd" },
    { currency: "GBP" },
    "ACCOUNT_BALANCE",
    null,
  ),
);

const distribution = mostly(
  pick<unknown>(
    { type: "PAYOUT_LINK" },
    { type: "PAYOUT_LINK", template_id: "RT-1" },
    { type: "EMAIL", email_address: "someone@example.com" },
    { type: "RECIPIENT", recipient_reference: "ref-1@x.y", email_address: "r@example.com" },
  ),
  pick<unknown>(
    { type: "PAYOUT_LINK", template_id: 7 },
    { type: "EMAIL", email_address: "not-an-email" },
    { type: "EMAIL" },
    { type: "RECIPIENT", recipient_reference: "bad ref", email_address: "r@example.com" },
    { type: "RECIPIENT", email_address: "r@example.com" },
    { type: "SMS" },
    {},
    [],
  ),
);

const products = mostly(
  pick<unknown>(
    { type: "SINGLE", value: "AMZ-US" },
    { type: "SINGLE", value: "AMZ-US", usage_config: { spend_rules_template_id: "PSR-01HQ12PV4B8XMBRTK281JM54KK" } },
    { type: "MULTIPLE", values: ["AMZ-US", "STB-US"] },
    { type: "TEMPLATE", template_id: "PT-01HQ12PV4B8XMBRTK281JM54KK" },
  ),
  pick<unknown>(
    { type: "SINGLE", value: "" },
    { type: "SINGLE" },
    { type: "SINGLE", value: "AMZ-US", usage_config: { spend_rules_template_id: "nope" } },
    { type: "MULTIPLE", values: ["AMZ-US"] },
    { type: "MULTIPLE", values: ["AMZ-US", "AMZ-US"] },
    { type: "MULTIPLE", values: ["AMZ-US", 3] },
    { type: "TEMPLATE" },
    { type: "BUNDLE", value: "X" },
    "AMZ-US",
  ),
);

const faceValue = mostly(pick(10, 12.5, 0.01), pick<unknown>(0.005, 0, -1, "10"));

const item = mostly(
  fc.record({ face_value: faceValue, distribution_method: distribution, products }),
  fc.oneof(
    fc.record({ face_value: faceValue, distribution_method: distribution, products }, { requiredKeys: [] }),
    pick<unknown>(null, "item"),
  ),
);

const metadata = mostly(
  fc.oneof(pick<unknown>(null, { campaign: "spring" }), fc.integer({ min: 19, max: 20 }).map(pairs)),
  fc.oneof(
    pick<unknown>({ campaign: 5 }, { ["k".repeat(41)]: "v" }, { note: "v".repeat(201) }, "text"),
    fc.integer({ min: 21, max: 22 }).map(pairs),
  ),
);

function pairs(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, "v"]));
}

const body = mostly(
  fc.record(
    {
      payment_method: paymentMethod,
      items: mostly(
        fc.array(item, { minLength: 1, maxLength: 3 }),
        fc.oneof(fc.constant([]), pick<unknown>("items", {})),
      ),
      metadata,
    },
    { requiredKeys: ["payment_method", "items"] },
  ),
  fc.oneof(
    fc.record({ payment_method: paymentMethod, items: fc.array(item, { maxLength: 3 }) }, { requiredKeys: [] }),
    pick<unknown>(null, [], "order", 42),
  ),
);

describe("validateNewOrder", () => {
  it("agrees with the spec's NewOrderDetails on what is valid", () => {
    fc.assert(
      fc.property(body, (candidate) => {
        const simulator = validateNewOrder(candidate);
        const spec = validateRequestBody("POST", "/order", candidate);
        expect({ valid: simulator.length === 0, simulator }).toEqual({
          valid: spec.length === 0,
          simulator: expect.anything(),
        });
      }),
      { numRuns: 2_000 },
    );
  });

  it("refuses more than 200 items, as the spec does", () => {
    const many = {
      payment_method: { type: "ACCOUNT_BALANCE", currency: "USD" },
      items: Array.from({ length: 201 }, () => ({
        face_value: 10,
        distribution_method: { type: "PAYOUT_LINK" },
        products: { type: "SINGLE", value: "AMZ-US" },
      })),
    };
    expect(validateNewOrder(many).map((detail) => detail.type)).toEqual(["too_long"]);
    expect(validateRequestBody("POST", "/order", many)).not.toEqual([]);
  });
});
