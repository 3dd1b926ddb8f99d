// Groups rows that may share one order into orders of up to N items, in file order. Runa limits
// orders per minute, not items, so N items per order multiplies throughput; one row per order
// (N = 1) keeps every row's fate separate. Only rows not yet in the journal come here: a row already
// sent keeps its journaled order (same key, same body, same members) on every re-run.
import type { OrderLine } from "../input/order-line.ts";

/** Runa's cap on items in one POST /order. */
export const MAX_ITEMS_PER_ORDER = 200;

export interface PendingRow {
  line: OrderLine;
  row: number;
  generation: number;
}

/**
 * What rows must share to ride in one order. Runa wants one currency (= the payment currency) and
 * one country per order, and the order's description is the first row's, so it must be every row's.
 * A row's `country` is one its every product is redeemable in; rows naming the same one can share.
 * A TEMPLATE row's country is unknown ("": Runa lists no templates), so it may only join rows of
 * the same template: a template redeemable in one country cannot conflict with itself.
 */
export function compatibilityKey(line: OrderLine): string {
  const selection =
    line.country === ""
      ? line.products.type === "TEMPLATE"
        ? `template:${line.products.template_id}`
        : `row:${line.fingerprint}`
      : `country:${line.country}`;
  return JSON.stringify([line.currency, selection, line.description ?? ""]);
}

export class OrderGrouper {
  readonly #open = new Map<string, PendingRow[]>();

  constructor(readonly itemsPerOrder: number) {
    if (!Number.isInteger(itemsPerOrder) || itemsPerOrder < 1 || itemsPerOrder > MAX_ITEMS_PER_ORDER) {
      throw new RangeError(
        `items per order must be a whole number from 1 to ${MAX_ITEMS_PER_ORDER}, got ${itemsPerOrder}`,
      );
    }
  }

  /** Adds a row; returns a group when this row filled one. */
  add(pending: PendingRow): PendingRow[] | undefined {
    if (this.itemsPerOrder === 1) return [pending];
    const compatibility = compatibilityKey(pending.line);
    const group = this.#open.get(compatibility) ?? [];
    group.push(pending);
    if (group.length < this.itemsPerOrder) {
      this.#open.set(compatibility, group);
      return undefined;
    }
    this.#open.delete(compatibility);
    return group;
  }

  /** The groups still open at the end of the file, in the order they were started. */
  flush(): PendingRow[][] {
    const groups = [...this.#open.values()];
    this.#open.clear();
    return groups;
  }
}
