// Runa's items carry no per-item reference, so an order's items are matched back to its rows by
// content (distribution and email, products, face value), never by position alone. Identical
// PAYOUT_LINK items are interchangeable: any one of them is that row's link.
import { toMoneyText } from "../money.ts";
import type { MemberRow, RowPayout } from "../journal/records.ts";
import type { CompletedOrderItem, NewOrder, NewOrderItem } from "../runa/types.ts";

export function matchPayouts(rows: readonly MemberRow[], body: string, items: readonly CompletedOrderItem[]): RowPayout[] {
  const requested = (JSON.parse(body) as NewOrder).items;
  const unmatched = [...items];
  return rows.map((row, index) => {
    const wanted = requested[index];
    const at = wanted ? unmatched.findIndex((item) => sameContent(wanted, item)) : -1;
    if (at < 0) return { fp: row.fp };
    const [item] = unmatched.splice(at, 1);
    const payout: RowPayout = { fp: row.fp, itemId: item!.id, price: item!.price, url: item!.payout?.url, payoutStatus: item!.payout?.status };
    if (item!.payout?.expiry_date !== undefined) payout.expiryDate = item!.payout.expiry_date;
    return payout;
  });
}

function sameContent(wanted: NewOrderItem, item: CompletedOrderItem): boolean {
  return toMoneyText(String(wanted.face_value)) === toMoneyText(item.face_value) && distributionKey(wanted.distribution_method) === distributionKey(item.distribution_method) && productsKey(wanted.products) === productsKey(item.products);
}

function distributionKey(method: { type: string; email_address?: string } | undefined): string {
  if (!method) return "";
  return method.type === "EMAIL" ? `EMAIL:${(method.email_address ?? "").toLowerCase()}` : method.type;
}

/** Completed items may add usage details to the product: compare only what we asked for. */
function productsKey(products: unknown): string {
  const selection = (products ?? {}) as { type?: string; value?: string; values?: string[]; template_id?: string };
  switch (selection.type) {
    case "SINGLE":
      return `SINGLE:${selection.value}`;
    case "MULTIPLE":
      return `MULTIPLE:${(selection.values ?? []).join("|")}`;
    case "TEMPLATE":
      return `TEMPLATE:${selection.template_id}`;
    default:
      return "";
  }
}
