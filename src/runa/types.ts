// Shapes of the Runa API v2, version 2024-02-05, as far as this tool uses them.
// Source of truth: vendor/runa/runa-openapi-2024-02-05.json (Runa's spec, vendored)

export const API_VERSION = "2024-02-05";

export type ProductSelection =
  | { type: "SINGLE"; value: string }
  | { type: "MULTIPLE"; values: string[] }
  | { type: "TEMPLATE"; template_id: string };

export type DistributionMethod = { type: "EMAIL"; email_address: string } | { type: "PAYOUT_LINK" };

export interface NewOrderItem {
  /** Sent as a JSON number (the spec's type); written from a canonical decimal string, never computed. */
  face_value: number;
  distribution_method: DistributionMethod;
  products: ProductSelection;
}

export interface NewOrder {
  payment_method: { type: "ACCOUNT_BALANCE"; currency: string };
  items: NewOrderItem[];
  description?: string;
  /** Up to 20 string pairs (key <= 40, value <= 200 characters), private to the account. */
  metadata?: Record<string, string>;
}

export type OrderStatus = "PROCESSING" | "COMPLETED" | "FAILED";

export type PayoutStatus = "ACTIVE" | "CLAIMED" | "CANCELLED" | "EXPIRED";

export interface CompletedOrderItem {
  id: string;
  face_value: string;
  price: string;
  currency?: string;
  distribution_method: DistributionMethod;
  products: unknown;
  payout: { status: PayoutStatus; status_updated_at: string; url: string; expiry_date?: string | null };
}

export interface IncompleteOrder {
  id: string;
  status: OrderStatus;
  message: string;
}

export interface FullOrder {
  id: string;
  status: OrderStatus;
  created_at: string;
  currency: string;
  total_price: string;
  total_discount: string;
  payment_method: { type: "ACCOUNT_BALANCE"; currency: string };
  description?: string;
  items: CompletedOrderItem[];
}

export type OrderLookup = IncompleteOrder | FullOrder;

export interface ProductDenominations {
  type: "open" | "fixed";
  minimum_value?: string;
  maximum_value?: string;
  available_list?: string[] | null;
}

export interface SubscriptionPlan {
  subscription_plan_code: string;
  name?: string;
  price?: string;
  length?: number;
  length_unit?: "DAYS" | "MONTHS";
}

export interface Product {
  code: string;
  name: string;
  currency: string;
  state?: "LIVE" | "TEMPORARILY_DISABLED" | "TEMPORARILY_DEGRADED";
  is_orderable: boolean;
  payout_type?: "gift_card" | "subscription" | "payment";
  categories?: string[];
  countries_redeemable_in: string[];
  /** "0.05" means 5 % off the face value (required by the spec at the top level). */
  discount_multiplier?: string;
  gift_card?: {
    denominations: ProductDenominations;
    discount_multiplier?: string;
    [key: string]: unknown;
  };
  subscription?: {
    subscription_plans: SubscriptionPlan[];
    discount_multiplier?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface PageMeta {
  page?: { limit: number };
  cursors: { after?: string; before?: string };
}

export interface ProductPage {
  catalog: Product[];
  pagination: PageMeta;
}

/**
 * An order as GET /order lists it: COMPLETED ones with basic details (no items, no metadata), the
 * others (PROCESSING, FAILED) as IncompleteOrder, with no date and no price.
 */
export type ListedOrder = IncompleteOrder | Omit<FullOrder, "items">;

export interface OrderPage {
  items: ListedOrder[];
  pagination: PageMeta;
}

export interface Balance {
  balance: string;
  currency: string;
}

/** POST /order/estimate's answer (OrderPriceResponse); prices are JSON numbers there. */
export interface OrderEstimate {
  currency: string;
  total_price: number;
  total_discount: number;
  items: { face_value: number; price: number; discount_multiplier: string; currency: string }[];
}

/** Runa's error body: branch on `type` only. 422 adds `details`. */
export interface ApiErrorBody {
  type: string;
  message: string;
  help?: string;
  details?: { type: string; message: string; location: string[] }[];
}
