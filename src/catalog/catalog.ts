// The product catalog as validation needs it: every orderable code (a product code, or a
// subscription's plan code) resolved once to its currency, countries, denominations and discount, so
// checking a row is a map lookup and a comparison.
// Runa rules: https://docs.runa.io (Products: fixed/open denominations, is_orderable, payout_type;
// "For subscription products ... you must use the subscription_plan_code instead when ordering").
import Big from "big.js";
import { toMoneyText } from "../money.ts";
import type { Product, SubscriptionPlan } from "../runa/types.ts";

/** How a code may be priced. */
export type Denominations =
  | {
      type: "fixed";
      /** canonical two-place strings, e.g. "10.00" */ values: ReadonlySet<string>;
      list: readonly string[];
    }
  /** Bounds in whole cents, rounded inwards, so an integer comparison decides exactly. */
  | { type: "open"; minimumCents: bigint; maximumCents: bigint; minimumText: string; maximumText: string }
  /** A subscription plan: the face value is the plan's price when Runa gives one. */
  | { type: "plan"; price?: string }
  /** The catalog says nothing usable: Runa decides at order time. */
  | { type: "unknown" };

/** One code a row may name in `product_code` / `product_codes`. */
export interface OrderableCode {
  code: string;
  product: Product;
  plan?: SubscriptionPlan;
  currency: string;
  countries: readonly string[];
  orderable: boolean;
  denominations: Denominations;
  /** Runa's discount_multiplier as a decimal string ("0.05"), when the catalog gives one. */
  discount?: string;
}

export class Catalog {
  readonly #products: Product[];
  readonly #byProductCode = new Map<string, Product>();
  readonly #byOrderCode = new Map<string, OrderableCode>();

  private constructor(products: Product[]) {
    this.#products = products;
    for (const product of products) {
      this.#byProductCode.set(product.code, product);
      const plans = product.subscription?.subscription_plans ?? [];
      if (product.payout_type === "subscription" || plans.length > 0) {
        for (const plan of plans) this.#byOrderCode.set(plan.subscription_plan_code, resolve(product, plan));
      } else {
        this.#byOrderCode.set(product.code, resolve(product, undefined));
      }
    }
  }

  static fromProducts(products: Product[]): Catalog {
    return new Catalog(products);
  }

  /** The product with this top-level code. */
  get(code: string): Product | undefined {
    return this.#byProductCode.get(code);
  }

  /** What a row naming `code` would order: a gift card's product code or a subscription plan code. */
  resolve(code: string): OrderableCode | undefined {
    return this.#byOrderCode.get(code);
  }

  /** The plan codes to use instead, when `code` is a subscription's top-level code; else undefined. */
  planCodesOf(code: string): string[] | undefined {
    const product = this.#byProductCode.get(code);
    if (!product || (product.payout_type !== "subscription" && !product.subscription)) return undefined;
    return (product.subscription?.subscription_plans ?? []).map((plan) => plan.subscription_plan_code);
  }

  /** The discount multiplier for an order code (product or plan code), when known. */
  discountOf(code: string): string | undefined {
    return this.#byOrderCode.get(code)?.discount;
  }

  products(): readonly Product[] {
    return this.#products;
  }

  get size(): number {
    return this.#products.length;
  }
}

function resolve(product: Product, plan: SubscriptionPlan | undefined): OrderableCode {
  const resolved: OrderableCode = {
    code: plan?.subscription_plan_code ?? product.code,
    product,
    currency: product.currency,
    countries: product.countries_redeemable_in ?? [],
    // Only a literal `true` counts: anything else (missing, "false", a typo) must not spend money.
    orderable: product.is_orderable === true,
    denominations: plan ? planDenominations(plan) : giftCardDenominations(product),
  };
  if (plan) resolved.plan = plan;
  const discount = discountMultiplier(product, plan !== undefined);
  if (discount !== undefined) resolved.discount = discount;
  return resolved;
}

function planDenominations(plan: SubscriptionPlan): Denominations {
  return isDecimal(plan.price) ? { type: "plan", price: toMoneyText(plan.price) } : { type: "plan" };
}

function giftCardDenominations(product: Product): Denominations {
  const denominations = product.gift_card?.denominations;
  if (denominations?.type === "fixed" && Array.isArray(denominations.available_list)) {
    const list = denominations.available_list.filter(isDecimal).map((value) => toMoneyText(value));
    return { type: "fixed", values: new Set(list), list };
  }
  if (
    denominations?.type === "open" &&
    isDecimal(denominations.minimum_value) &&
    isDecimal(denominations.maximum_value)
  ) {
    return {
      type: "open",
      minimumCents: BigInt(new Big(denominations.minimum_value).times(100).round(0, Big.roundUp).toFixed(0)),
      maximumCents: BigInt(new Big(denominations.maximum_value).times(100).round(0, Big.roundDown).toFixed(0)),
      minimumText: toMoneyText(denominations.minimum_value),
      maximumText: toMoneyText(denominations.maximum_value),
    };
  }
  return { type: "unknown" };
}

/**
 * The 2024-02-05 spec puts `discount_multiplier` on the product itself; older shapes (and our
 * types.ts) carry it inside `gift_card` / `subscription`. Take the first one present.
 */
function discountMultiplier(product: Product, subscription: boolean): string | undefined {
  const candidates = [
    product.discount_multiplier,
    subscription ? product.subscription?.discount_multiplier : product.gift_card?.discount_multiplier,
  ];
  for (const candidate of candidates) if (isDecimal(candidate)) return candidate;
  return undefined;
}

const DECIMAL = /^\d+(?:\.\d+)?$/;

function isDecimal(value: unknown): value is string {
  return typeof value === "string" && DECIMAL.test(value);
}
