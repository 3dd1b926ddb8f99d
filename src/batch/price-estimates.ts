// Exact prices for the rows whose discount the catalog cannot tell: a product choice (MULTIPLE) is
// priced by Runa itself through POST /order/estimate. Items are grouped by currency (an order pays
// in one) in requests of up to 500 items, the spec's limit; prices are per item, so grouping does
// not change them. TEMPLATE rows cannot be estimated (the spec's estimate takes SINGLE or MULTIPLE)
// and stay at face value. Whatever cannot be estimated falls back to face value, and the note says so.
import Big from "big.js";
import { centsToText, toCents, toJsonNumber, toMoneyText } from "../money.ts";
import type { Attempt } from "../runa/client.ts";
import type { OrderEstimate } from "../runa/types.ts";
import { MAX_ESTIMATED_ROWS, type ChoicesToEstimate, type CurrencyCost } from "../input/cost-tally.ts";

/** The spec's OrderPriceRequest takes at most 500 items. */
export const ESTIMATE_ITEMS_PER_REQUEST = 500;

export interface PricedCosts {
  costs: CurrencyCost[];
  /** Why some product-choice rows stayed at face value, when they did. */
  note?: string;
}

/** One POST /order/estimate, paced by the caller within its rate budget. */
export type Estimate = (body: string) => Promise<Attempt<OrderEstimate>>;

export async function priceExactly(
  costs: CurrencyCost[],
  choices: ChoicesToEstimate,
  estimate: Estimate,
): Promise<PricedCosts> {
  const kept = [...choices.byCurrency.values()].reduce((total, list) => total + list.length, 0);
  if (kept === 0) return { costs };
  if (choices.overflow > 0) {
    return {
      costs,
      note: `exact prices not asked for: over ${MAX_ESTIMATED_ROWS} product-choice rows; they are counted at face value (the most they can cost)`,
    };
  }
  const priced = costs.map((cost) => ({ ...cost }));
  for (const cost of priced) {
    const items = choices.byCurrency.get(cost.currency) ?? [];
    for (let start = 0; start < items.length; start += ESTIMATE_ITEMS_PER_REQUEST) {
      const chunk = items.slice(start, start + ESTIMATE_ITEMS_PER_REQUEST);
      const body = JSON.stringify({
        payment_method: { type: "ACCOUNT_BALANCE", currency: cost.currency },
        items: chunk.map(({ values, amount }) => ({
          products: { type: "MULTIPLE", values },
          face_value: toJsonNumber(amount),
        })),
      });
      const answer = await estimate(body);
      const total = estimatedTotal(answer, chunk.length);
      if (typeof total !== "number") {
        return {
          costs: priced,
          note: `exact prices unavailable (${total.reason}): the product-choice rows not yet estimated are counted at face value (the most they can cost)`,
        };
      }
      const face = chunk.reduce((sum, { amount }) => sum + toCents(toMoneyText(amount)), 0n);
      const price = toCents(toMoneyText(new Big(String(total))));
      cost.price = centsToText(toCents(cost.price) - face + price);
      cost.discount = centsToText(toCents(cost.faceValue) - toCents(cost.price));
      cost.undiscountedRows -= chunk.length;
      cost.estimatedRows = (cost.estimatedRows ?? 0) + chunk.length;
    }
  }
  return { costs: priced };
}

/** The estimate's total price, or why it cannot be used. */
function estimatedTotal(answer: Attempt<OrderEstimate>, items: number): number | { reason: string } {
  if (answer.kind === "network") return { reason: `${answer.code}: ${answer.message}` };
  if (answer.kind !== "ok")
    return { reason: answer.kind === "http_error" ? `${answer.status} ${answer.error.type}` : answer.message };
  const body = answer.body;
  if (
    typeof body?.total_price !== "number" ||
    !Number.isFinite(body.total_price) ||
    !Array.isArray(body.items) ||
    body.items.length !== items
  ) {
    return { reason: "an answer without a total price for every item" };
  }
  return body.total_price;
}

/** Spaces calls `ms` apart (the first goes at once): a rate budget without a limiter. */
export function pacedEvery(ms: number, estimate: Estimate): Estimate {
  let next = 0;
  return async (body) => {
    const wait = next - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    next = Date.now() + ms;
    return estimate(body);
  };
}
