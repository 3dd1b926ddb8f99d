// A small catalog built in the test, shaped like src/runa/types.ts Product, with the codes the
// fixtures use (the same figures as the simulator's fixtures/catalog.json, so CLI runs agree).
import { Catalog } from "../../src/catalog/catalog.ts";
import type { Product } from "../../src/runa/types.ts";

type Denominations = { open: [string, string] } | { fixed: string[] };

export function giftCard(
  code: string,
  currency: string,
  denominations: Denominations,
  countries: string[],
  extra: Partial<Product> = {},
): Product {
  return {
    code,
    name: `${code} (test)`,
    currency,
    is_orderable: true,
    payout_type: "gift_card",
    countries_redeemable_in: countries,
    gift_card: {
      denominations:
        "open" in denominations
          ? {
              type: "open",
              minimum_value: denominations.open[0],
              maximum_value: denominations.open[1],
              available_list: null,
            }
          : { type: "fixed", available_list: denominations.fixed },
    },
    ...extra,
  };
}

export const TEST_PRODUCTS: Product[] = [
  giftCard("AMZ-US", "USD", { open: ["1.00", "2000.00"] }, ["US"], { discount_multiplier: "0.03" }),
  giftCard("TGT-US", "USD", { fixed: ["10.00", "25.00", "50.00", "100.00"] }, ["US"], { discount_multiplier: "0.05" }),
  giftCard("STB-US", "USD", { open: ["5.00", "500.00"] }, ["US"]),
  giftCard("AMZ-UK", "GBP", { open: ["1.00", "1000.00"] }, ["GB"], { discount_multiplier: "0.04" }),
  giftCard("TSC-UK", "GBP", { fixed: ["10.00", "20.00", "50.00"] }, ["GB"]),
  giftCard("ZAL-DE", "EUR", { open: ["5.00", "500.00"] }, ["DE", "AT"], { discount_multiplier: "0.06" }),
  giftCard("IKEA-FR", "EUR", { fixed: ["25.00", "50.00", "100.00"] }, ["FR"]),
  giftCard("CTIRE-CA", "CAD", { open: ["10.00", "500.00"] }, ["CA"]),
  // Not in the simulator's catalog: lets cost tests use amounts down to a cent.
  giftCard("CENTS-GB", "GBP", { open: ["0.01", "1000.00"] }, ["GB"], { discount_multiplier: "0.00" }),
  giftCard("OLD-US", "USD", { open: ["5.00", "100.00"] }, ["US"], { is_orderable: false }),
  {
    code: "NFLX-US",
    name: "Netflix (test)",
    currency: "USD",
    is_orderable: true,
    payout_type: "subscription",
    countries_redeemable_in: ["US"],
    discount_multiplier: "0.02",
    subscription: {
      subscription_plans: [
        { subscription_plan_code: "NFLX-US-SUB-1", name: "1 month", price: "15.49" },
        { subscription_plan_code: "NFLX-US-SUB-3", name: "3 months", price: "46.47" },
      ],
    },
  },
];

export const testCatalog = (): Catalog => Catalog.fromProducts(TEST_PRODUCTS);
