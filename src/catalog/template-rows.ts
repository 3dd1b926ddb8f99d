// The example rows of `runa-batch template`: real, orderable codes from the environment's catalog, at
// an amount each product accepts, so the file validates as it is and shows what a filled-in row looks like.
import Big from "big.js";
import { toMoneyText } from "../money.ts";
import type { Catalog, OrderableCode } from "./catalog.ts";

export const TEMPLATE_COLUMNS = [
  "reference",
  "email",
  "amount",
  "currency",
  "product_code",
  "product_codes",
  "template_id",
  "distribution",
  "description",
] as const;

export type Distribution = "EMAIL" | "PAYOUT_LINK";

const EXAMPLE_ROWS = 3;
/** The references the example rows carry: a production run refuses rows that still have one (plan-batch.ts). */
export const EXAMPLE_REFERENCE = /^EXAMPLE-\d+$/;
/** A round amount most open-denomination cards accept; the minimum when they do not. */
const PREFERRED_AMOUNT = "25";

export type TemplateRows = { ok: true; currency: string; rows: string[][] } | { ok: false; reason: string };

export function templateRows(
  catalog: Catalog,
  choice: { currency?: string | undefined; distribution?: Distribution | undefined },
): TemplateRows {
  const candidates = orderableGiftCards(catalog);
  const currency = choice.currency ?? mostOffered(candidates);
  const products = candidates.filter((entry) => entry.currency === currency).slice(0, EXAMPLE_ROWS);
  if (currency === undefined || products.length === 0) {
    const offered = [...new Set(candidates.map((entry) => entry.currency))].sort().join(", ");
    return {
      ok: false,
      reason: `the catalog has no orderable gift card in ${choice.currency ?? "any currency"}${offered ? ` (it has: ${offered})` : ""}`,
    };
  }
  const rows = Array.from({ length: EXAMPLE_ROWS }, (_, index) => {
    const entry = products[index % products.length]!;
    // Without a choice, the examples show both ways of delivering: by email, and as a link to hand out.
    const distribution = choice.distribution ?? (index % 2 === 0 ? "EMAIL" : "PAYOUT_LINK");
    const email = distribution === "EMAIL" ? `recipient.${index + 1}@example.com` : "";
    return [
      `EXAMPLE-${index + 1}`,
      email,
      exampleAmount(entry),
      currency,
      entry.code,
      "",
      "",
      distribution,
      "Thank you",
    ];
  });
  return { ok: true, currency, rows };
}

/** Gift cards a row can order with one code and a known amount rule (not subscriptions). */
function orderableGiftCards(catalog: Catalog): OrderableCode[] {
  const entries: OrderableCode[] = [];
  for (const product of catalog.products()) {
    if (catalog.planCodesOf(product.code)) continue;
    const entry = catalog.resolve(product.code);
    const amounts = entry?.denominations;
    if (entry?.orderable && ((amounts?.type === "fixed" && amounts.list.length > 0) || amounts?.type === "open"))
      entries.push(entry);
  }
  return entries;
}

/** The currency with the most orderable cards (the first in catalog order on a tie). */
function mostOffered(entries: readonly OrderableCode[]): string | undefined {
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(entry.currency, (counts.get(entry.currency) ?? 0) + 1);
  let best: string | undefined;
  for (const [currency, count] of counts) if (best === undefined || count > counts.get(best)!) best = currency;
  return best;
}

function exampleAmount(entry: OrderableCode): string {
  const denominations = entry.denominations;
  if (denominations.type === "fixed")
    return denominations.list.find((value) => new Big(value).eq(PREFERRED_AMOUNT)) ?? denominations.list[0]!;
  if (denominations.type !== "open") return "";
  const preferredCents = BigInt(PREFERRED_AMOUNT) * 100n;
  return preferredCents >= denominations.minimumCents && preferredCents <= denominations.maximumCents
    ? toMoneyText(PREFERRED_AMOUNT)
    : denominations.minimumText;
}
