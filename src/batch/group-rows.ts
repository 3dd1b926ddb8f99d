// Groups rows that may share one order (same currency, same country, same description) into
// orders of up to N items, in file order. Runa limits orders per minute, not items, so N items per
// order multiplies throughput; one row per order (N = 1) keeps every row's fate separate.
import type { OrderLine } from "./order-line.ts";

export interface PendingRow {
  line: OrderLine;
  row: number;
  generation: number;
}

export class OrderGrouper {
  readonly #open = new Map<string, PendingRow[]>();

  constructor(readonly itemsPerOrder: number) {}

  /** Adds a row; returns a group when this row filled one. */
  add(pending: PendingRow): PendingRow[] | undefined {
    if (this.itemsPerOrder === 1) return [pending];
    const { currency, country, description = "" } = pending.line;
    const compatibility = JSON.stringify([currency, country, description]);
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
