// validate and run apply the same rules: a row that validates is never refused by Runa (here the
// simulator) for catalog, currency or denomination reasons. Rows are drawn around every edge of the
// catalog fixture: bounds, a cent over, fixed lists, wrong currencies, mixed choices, templates.
// The known gap: Runa lists no templates, so a TEMPLATE row's currency and minimum can only be
// checked when it is ordered; such rows may end REJECTED, and only such rows.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixture, runCli, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";

interface FixtureProduct {
  code: string;
  currency: string;
  gift_card?: { denominations?: { minimum_value?: string; maximum_value?: string; available_list?: string[] | null } };
  subscription?: { subscription_plans: { subscription_plan_code: string; price?: string }[] };
}
const catalog = JSON.parse(readFileSync(fixture("catalog.json"), "utf8")) as {
  catalog: FixtureProduct[];
  templates: { template_id: string; currency: string }[];
};
const CURRENCIES = ["USD", "GBP", "EUR", "CAD"];

const cent = (text: string, delta: number) => ((Math.round(Number(text) * 100) + delta) / 100).toFixed(2);

function amountsFor(product: FixtureProduct): string[] {
  const plans = product.subscription?.subscription_plans ?? [];
  if (plans.length > 0) return plans.map((plan) => plan.price ?? "1.00").flatMap((price) => [price, cent(price, 1)]);
  const d = product.gift_card?.denominations ?? {};
  const edges = [d.minimum_value, d.maximum_value].filter((value): value is string => value !== undefined);
  return [
    ...edges,
    ...edges.flatMap((edge) => [cent(edge, -1), cent(edge, 1)]),
    ...(d.available_list ?? []),
    "12.34",
    "7",
    "0.5",
  ];
}

const row = fc.oneof(
  // SINGLE, including subscription plan codes and top-level subscription codes
  fc.constantFrom(...catalog.catalog).chain((product) =>
    fc.record({
      code: fc.constantFrom(
        product.code,
        ...(product.subscription?.subscription_plans.map((plan) => plan.subscription_plan_code) ?? []),
      ),
      amount: fc.constantFrom(...amountsFor(product)),
      currency: fc.constantFrom(product.currency, product.currency, ...CURRENCIES),
      codes: fc.constant(""),
      template: fc.constant(""),
    }),
  ),
  // MULTIPLE: two or three codes, sometimes across currencies or countries
  fc.record({
    code: fc.constant(""),
    codes: fc
      .uniqueArray(fc.constantFrom(...catalog.catalog.map((product) => product.code)), { minLength: 2, maxLength: 3 })
      .map((codes) => codes.join("|")),
    amount: fc.constantFrom("5", "10", "15", "20", "25.50", "30", "100"),
    currency: fc.constantFrom(...CURRENCIES),
    template: fc.constant(""),
  }),
  // TEMPLATE
  fc.record({
    code: fc.constant(""),
    codes: fc.constant(""),
    template: fc.constantFrom(...catalog.templates.map((template) => template.template_id)),
    amount: fc.constantFrom("4", "5", "10", "12.50", "40"),
    currency: fc.constantFrom(...CURRENCIES),
  }),
);

describe("validate and run agree", () => {
  it.each([1, 2, 3])("seed %i: every row that validates completes; none is REJECTED", async (seed) => {
    const rows = fc.sample(row, { numRuns: 80, seed });
    const csv = ["amount,currency,product_code,product_codes,template_id,reference"];
    rows.forEach((r, i) => csv.push(`${r.amount},${r.currency},${r.code},${r.codes},${r.template},R-${seed}-${i}`));
    const cwd = workDir();
    writeFileSync(join(cwd, "edge.csv"), `${csv.join("\n")}\n`);
    const sim = await simulator();

    const validated = await runCli(["validate", "edge.csv", "--base-url", sim.url], { cwd });
    const run = await runCli(
      [
        "run",
        "edge.csv",
        "--base-url",
        sim.url,
        "--skip-invalid",
        "--ignore-balance",
        "--rate",
        "6000",
        "--poll-timeout",
        "30",
      ],
      { cwd },
    );
    const results = readResults(join(cwd, "output", "edge.results.csv"));
    const byStatus = (status: string) => results.filter((result) => result.status === status);

    const rejected = byStatus("REJECTED");
    const describe = (r: Record<string, string>) =>
      `${r.amount} ${r.currency} ${r.product_code}${r.product_codes}${r.template_id}: ${r.error_type} ${r.error_message}`;
    expect(rejected.filter((r) => !r.template_id).map(describe)).toEqual([]);
    for (const r of rejected)
      expect(r.error_type, describe(r)).toMatch(/^(currency_mismatch|product_validation_error)$/);
    expect(byStatus("COMPLETED").length + byStatus("INVALID").length + rejected.length).toBe(rows.length);
    // the draw covers both sides of the rules
    expect(byStatus("COMPLETED").length).toBeGreaterThan(5);
    expect(byStatus("INVALID").length).toBeGreaterThan(5);
    expect(validated.code).toBe(2);
    expect(run.code).toBe(3);
  });
});
