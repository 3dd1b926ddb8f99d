// The simulated catalog: products (Runa's Product schema) and payout-selection templates, and the
// rules that decide whether an order item may be placed and what it costs.
import { readFileSync } from "node:fs";
import type Big from "big.js";
import { decimal, discountedPrice } from "../money.ts";
import type { RunaErrorType } from "../runa/error-types.ts";
import type { Product, SubscriptionPlan } from "../runa/types.ts";

export const CATALOG_FIXTURE_PATH = new URL("../../fixtures/catalog.json", import.meta.url);

/** The spec puts `discount_multiplier` on the product itself (required), not under `gift_card`. */
export type CatalogProduct = Product & { discount_multiplier: string };

/** A payout-selection template (TEMPLATE product selection). Runa does not list these; the fixture does. */
export interface CatalogTemplate {
  template_id: string;
  name: string;
  currency: string;
  country: string;
  minimum_face_value: string;
  discount_multiplier: string;
  product_codes: string[];
}

export interface CatalogFixture {
  catalog: CatalogProduct[];
  templates: CatalogTemplate[];
}

/** Reads the catalog fixture afresh (each simulator gets its own objects, so setOrderable does not leak). */
export function loadCatalogFixture(path: string | URL = CATALOG_FIXTURE_PATH): CatalogFixture {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<CatalogFixture>;
  if (!Array.isArray(parsed.catalog) || !Array.isArray(parsed.templates)) {
    throw new Error(`${String(path)}: a catalog fixture needs "catalog" and "templates" arrays`);
  }
  return { catalog: parsed.catalog, templates: parsed.templates };
}

/** What one order item resolves to once the catalog accepts it. */
export interface PricedItem {
  currency: string;
  /** Countries the item can be redeemed in; an order needs one country common to all its items. */
  countries: string[];
  faceValue: Big;
  price: Big;
  /** The discount applied, as Runa writes it ("0.05" is 5 % off). */
  discountMultiplier: string;
  /** The `products` object as a completed order shows it (templates list their product codes). */
  detailedProducts: unknown;
}

export type ItemCheck = { ok: true; item: PricedItem } | { ok: false; type: RunaErrorType; message: string };

export type ProductSelection =
  | { type: "SINGLE"; value: string }
  | { type: "MULTIPLE"; values: string[] }
  | { type: "TEMPLATE"; template_id: string };

const refuse = (message: string): ItemCheck => ({ ok: false, type: "product_validation_error", message });

export class Catalog {
  readonly products: CatalogProduct[];
  private readonly byCode = new Map<string, CatalogProduct>();
  private readonly plans = new Map<string, { product: CatalogProduct; plan: SubscriptionPlan }>();
  private readonly templates = new Map<string, CatalogTemplate>();

  constructor(fixture: CatalogFixture) {
    this.products = fixture.catalog;
    for (const product of this.products) {
      this.byCode.set(product.code, product);
      for (const plan of product.subscription?.subscription_plans ?? []) {
        this.plans.set(plan.subscription_plan_code, { product, plan });
      }
    }
    for (const template of fixture.templates) this.templates.set(template.template_id, template);
  }

  product(code: string): CatalogProduct | undefined {
    return this.byCode.get(code);
  }

  currencies(): string[] {
    return [...new Set(this.products.map((product) => product.currency))].sort();
  }

  setOrderable(code: string, orderable: boolean): void {
    const product = this.byCode.get(code);
    if (!product) throw new Error(`no product ${code} in the simulated catalog`);
    product.is_orderable = orderable;
  }

  /** Decides one item: product exists and is orderable, denomination allowed; prices it. */
  check(selection: ProductSelection, faceValueNumber: number): ItemCheck {
    // JSON numbers print in their shortest round-trip form, so String() gives back the sent digits.
    const faceValue = decimal(String(faceValueNumber));
    if (faceValue.round(2).cmp(faceValue) !== 0) return refuse("face_value may have at most two decimal places");
    switch (selection.type) {
      case "SINGLE":
        return this.checkSingle(selection.value, faceValue);
      case "MULTIPLE":
        return this.checkMultiple(selection.values, faceValue);
      case "TEMPLATE":
        return this.checkTemplate(selection.template_id, faceValue);
    }
  }

  private checkSingle(code: string, faceValue: Big): ItemCheck {
    const subscription = this.plans.get(code);
    if (subscription) {
      const { product, plan } = subscription;
      if (!product.is_orderable) return refuse(`product ${product.code} is not orderable`);
      if (plan.price === undefined || !faceValue.eq(plan.price)) {
        return refuse(`face_value must equal the price of subscription plan ${code} (${plan.price ?? "unknown"})`);
      }
      return priced(product, faceValue, { type: "SINGLE", value: code });
    }
    const product = this.byCode.get(code);
    if (!product) return refuse(`product ${code} does not exist`);
    const usable = this.orderableGiftCard(product);
    if (usable) return usable;
    const denominations = product.gift_card?.denominations;
    if (denominations?.type === "fixed") {
      const allowed = denominations.available_list ?? [];
      if (!allowed.some((value) => faceValue.eq(value))) {
        return refuse(
          `face_value ${faceValue.toFixed(2)} is not one of ${code}'s denominations (${allowed.join(", ")})`,
        );
      }
    } else if (denominations?.minimum_value !== undefined && denominations.maximum_value !== undefined) {
      if (faceValue.lt(denominations.minimum_value) || faceValue.gt(denominations.maximum_value)) {
        return refuse(
          `face_value ${faceValue.toFixed(2)} is outside ${code}'s range ${denominations.minimum_value}..${denominations.maximum_value}`,
        );
      }
    }
    return priced(product, faceValue, { type: "SINGLE", value: code });
  }

  /**
   * MULTIPLE: the recipient picks among the products, so the face value must be a whole number that
   * every product can take at its low end (>= the largest minimum). Priced at the smallest discount
   * among them: the dearest the choice can turn out, so the balance check never under-charges.
   */
  private checkMultiple(codes: string[], faceValue: Big): ItemCheck {
    const products: CatalogProduct[] = [];
    for (const code of codes) {
      const product = this.byCode.get(code);
      if (!product) return refuse(`product ${code} does not exist`);
      const usable = this.orderableGiftCard(product);
      if (usable) return usable;
      products.push(product);
    }
    const [first] = products;
    if (!first) return refuse("MULTIPLE needs at least two products");
    if (products.some((product) => product.currency !== first.currency)) {
      return refuse("all products of a MULTIPLE selection must share one currency");
    }
    const minimum = products.map(lowestDenomination).reduce((a, b) => (a.gt(b) ? a : b));
    const wholeCheck = wholeAtLeast(faceValue, minimum, "MULTIPLE");
    if (wholeCheck) return wholeCheck;
    const discount = products
      .map((product) => decimal(product.discount_multiplier))
      .reduce((a, b) => (a.lt(b) ? a : b));
    return {
      ok: true,
      item: {
        currency: first.currency,
        countries: intersect(products.map((product) => product.countries_redeemable_in)),
        faceValue,
        price: discountedPrice(faceValue, discount.toString()),
        discountMultiplier: discount.toFixed(2),
        detailedProducts: { type: "MULTIPLE", values: codes },
      },
    };
  }

  private checkTemplate(templateId: string, faceValue: Big): ItemCheck {
    const template = this.templates.get(templateId);
    if (!template) return refuse(`template ${templateId} does not exist`);
    const wholeCheck = wholeAtLeast(faceValue, decimal(template.minimum_face_value), "TEMPLATE");
    if (wholeCheck) return wholeCheck;
    return {
      ok: true,
      item: {
        currency: template.currency,
        countries: [template.country],
        faceValue,
        price: discountedPrice(faceValue, template.discount_multiplier),
        discountMultiplier: decimal(template.discount_multiplier).toFixed(2),
        detailedProducts: { type: "TEMPLATE", template_id: templateId, values: template.product_codes },
      },
    };
  }

  /** The refusal for a product that cannot be ordered as a gift card by its own code, else undefined. */
  private orderableGiftCard(product: CatalogProduct): ItemCheck | undefined {
    if (!product.is_orderable) return refuse(`product ${product.code} is not orderable`);
    if (product.payout_type === "subscription") {
      // Runa: "use [subscription_plan_code], not the top-level object code as part of your order".
      return refuse(`product ${product.code} is a subscription: order it by subscription_plan_code`);
    }
    return undefined;
  }
}

function priced(product: CatalogProduct, faceValue: Big, detailedProducts: unknown): ItemCheck {
  return {
    ok: true,
    item: {
      currency: product.currency,
      countries: product.countries_redeemable_in,
      faceValue,
      price: discountedPrice(faceValue, product.discount_multiplier),
      discountMultiplier: decimal(product.discount_multiplier).toFixed(2),
      detailedProducts,
    },
  };
}

function lowestDenomination(product: CatalogProduct): Big {
  const denominations = product.gift_card?.denominations;
  const candidates = [denominations?.minimum_value, ...(denominations?.available_list ?? [])].filter(
    (value): value is string => value !== undefined,
  );
  const values = candidates.map((value) => decimal(value));
  return values.length === 0 ? decimal("0.01") : values.reduce((a, b) => (a.lt(b) ? a : b));
}

function wholeAtLeast(faceValue: Big, minimum: Big, kind: string): ItemCheck | undefined {
  if (!faceValue.round(0).eq(faceValue)) return refuse(`${kind} face values must be whole numbers`);
  if (faceValue.lt(minimum)) return refuse(`${kind} face value must be at least ${minimum.toFixed(2)}`);
  return undefined;
}

/** Countries present in every list (an order's items must share one country). */
export function intersect(lists: readonly (readonly string[])[]): string[] {
  const [first, ...rest] = lists;
  return (first ?? []).filter((country) => rest.every((list) => list.includes(country)));
}
