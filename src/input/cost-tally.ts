// What the valid rows of a file would cost, per currency, in integer cents (never floats), and the
// product-choice rows whose exact price only Runa's estimate can tell.
import { centsToText, discountedCents, keptFraction, toCents, type KeptFraction } from "../money.ts";
import type { InputOptions } from "./check-rows.ts";
import type { OrderLine } from "./order-line.ts";

export interface CurrencyCost {
  currency: string;
  rows: number;
  faceValue: string;
  discount: string;
  price: string;
  /** Rows whose discount is not known in advance (MULTIPLE, TEMPLATE, or no multiplier in the catalog): priced at face value. */
  undiscountedRows: number;
  /** Product-choice rows priced exactly by Runa's estimate (see price-estimates.ts). */
  estimatedRows?: number;
}

/** Product-choice (MULTIPLE) rows kept for POST /order/estimate, by currency; beyond a cap only counted. */
export interface ChoicesToEstimate {
  byCurrency: Map<string, { values: string[]; amount: string }[]>;
  /** Rows not kept because the cap was reached: then none is estimated. */
  overflow: number;
}

/** More product-choice rows than this are not estimated (memory stays flat, requests few). */
export const MAX_ESTIMATED_ROWS = 5_000;

/**
 * Sums per currency in integer cents (exact, and no object per row). Each row's price is rounded to
 * the cent on its own (face × (1 − multiplier), half-up), as Runa prices each item, and the discount
 * is face − price, so the totals add up exactly.
 */
export class CostTally {
  readonly #byCurrency = new Map<string, { rows: number; face: bigint; price: bigint; undiscounted: number }>();
  readonly #fractions = new Map<string, KeptFraction>();
  readonly #catalog: InputOptions["catalog"];
  readonly #choices: ChoicesToEstimate = { byCurrency: new Map(), overflow: 0 };
  #kept = 0;

  constructor(options: InputOptions) {
    this.#catalog = options.catalog;
  }

  add(order: OrderLine): void {
    let tally = this.#byCurrency.get(order.currency);
    if (!tally) {
      tally = { rows: 0, face: 0n, price: 0n, undiscounted: 0 };
      this.#byCurrency.set(order.currency, tally);
    }
    // A choice or a template is priced by what the recipient picks, unknown now: count it at face value.
    const multiplier = order.products.type === "SINGLE" ? this.#catalog.discountOf(order.products.value) : undefined;
    const face = toCents(order.amount);
    tally.rows++;
    tally.face += face;
    if (multiplier === undefined) {
      tally.undiscounted++;
      tally.price += face;
      if (order.products.type === "MULTIPLE") this.#keepChoice(order.currency, order.products.values, order.amount);
    } else {
      tally.price += discountedCents(face, this.#fraction(multiplier));
    }
  }

  #keepChoice(currency: string, values: string[], amount: string): void {
    if (this.#kept >= MAX_ESTIMATED_ROWS) {
      this.#choices.overflow++;
      return;
    }
    this.#kept++;
    const list = this.#choices.byCurrency.get(currency) ?? [];
    list.push({ values, amount });
    this.#choices.byCurrency.set(currency, list);
  }

  /** The product-choice rows to price with Runa's estimate (see price-estimates.ts). */
  choices(): ChoicesToEstimate {
    return this.#choices;
  }

  #fraction(multiplier: string): KeptFraction {
    let fraction = this.#fractions.get(multiplier);
    if (!fraction) {
      fraction = keptFraction(multiplier);
      this.#fractions.set(multiplier, fraction);
    }
    return fraction;
  }

  totals(): CurrencyCost[] {
    return [...this.#byCurrency.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, tally]) => ({
        currency,
        rows: tally.rows,
        faceValue: centsToText(tally.face),
        discount: centsToText(tally.face - tally.price),
        price: centsToText(tally.price),
        undiscountedRows: tally.undiscounted,
      }));
  }
}
