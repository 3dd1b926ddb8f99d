// Reads a results CSV back as records, for cell-by-cell assertions.
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { expect } from "vitest";
import { toMoneyText } from "../../src/money.ts";
import type { SimulatedOrder } from "../../src/simulator/state.ts";

export function readResults(path: string): Record<string, string>[] {
  return parse<Record<string, string>>(readFileSync(path), { bom: true, columns: true, skip_empty_lines: true });
}

/**
 * A results row (CSV or JSON lines) checked cell by cell against its input row and the one order the
 * simulator holds for its key: COMPLETED, that order's id, its item's link, price and face value.
 */
export function expectCompletedByItsOrder(
  row: Record<string, string>,
  input: Record<string, string>,
  index: number,
  ordersByKey: Map<string, SimulatedOrder[]>,
): void {
  // the input columns, untouched and in order
  for (const [column, value] of Object.entries(input)) expect(row[column], column).toBe(value);
  expect(row.row).toBe(String(index + 2));
  expect(row.status).toBe("COMPLETED");
  const orders = ordersByKey.get(row.idempotency_key!) ?? [];
  expect(orders).toHaveLength(1);
  const order = orders[0]!;
  expect(row.order_id).toBe(order.id);
  const item = order.items[0]!;
  expect(row.redemption_url).toBe(item.payoutUrl);
  expect(row.payout_status).toBe("ACTIVE");
  expect(row.expiry_date).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(row.price).toBe(item.price);
  expect(toMoneyText(item.faceValue)).toBe(toMoneyText(input.amount!));
  expect(row.error_type).toBe("");
  expect(row.error_message).toBe("");
}
