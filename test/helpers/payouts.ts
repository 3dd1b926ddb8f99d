// The money check after any crash or fault scenario: every input row COMPLETED exactly once, and
// its link is the link of the simulator's order item that pays that very row (its recipient, its
// face value, its product), in the order under the row's key. No item serves two rows; no key
// made two orders; as many items exist as rows.
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { expect } from "vitest";
import { toMoneyText } from "../../src/money.ts";
import type { RunningSimulator, SimulatedOrder, SimulatedOrderItem } from "../../src/simulator/index.ts";
import { readResults } from "./results.ts";

export function expectEveryRowPaidOnce(sim: RunningSimulator, inputPath: string, resultsPath: string): void {
  const input = parse<Record<string, string>>(readFileSync(inputPath), { columns: true, skip_empty_lines: true });
  const results = readResults(resultsPath);
  const orders = sim.state.orders;

  for (const [key, sameKey] of sim.state.ordersByKey())
    expect(sameKey.length, `key ${key} made ${sameKey.length} orders`).toBe(1);
  expect(
    orders.reduce((sum, order) => sum + order.items.length, 0),
    "items ordered",
  ).toBe(input.length);
  expect(results).toHaveLength(input.length);

  const byUrl = new Map<string, { order: SimulatedOrder; item: SimulatedOrderItem }>();
  for (const order of orders) for (const item of order.items) byUrl.set(item.payoutUrl, { order, item });
  const used = new Set<string>();
  results.forEach((result, index) => {
    const row = input[index]!;
    const where = `row ${index + 2}`;
    expect(result.row).toBe(String(index + 2));
    expect(result.status, `${where}: ${result.error_type} ${result.error_message}`).toBe("COMPLETED");
    const found = byUrl.get(result.redemption_url!);
    expect(found, `${where}: link ${result.redemption_url} is no item's`).toBeDefined();
    const { order, item } = found!;
    expect(used.has(item.id), `${where}: item ${item.id} also given to another row`).toBe(false);
    used.add(item.id);
    expect(result.order_id, `${where}: order id`).toBe(order.id);
    expect(result.idempotency_key, `${where}: key`).toBe(order.idempotencyKey);
    expect(toMoneyText(item.faceValue), `${where}: face value`).toBe(toMoneyText(row.amount!));
    expect(item.currency, `${where}: currency`).toBe(row.currency);
    const email = row.email?.trim().toLowerCase();
    expect(item.distributionMethod, `${where}: recipient`).toEqual(
      email ? { type: "EMAIL", email_address: email } : { type: "PAYOUT_LINK" },
    );
    expect(item.products, `${where}: product`).toMatchObject({ type: "SINGLE", value: row.product_code });
    expect(result.price, `${where}: price`).toBe(item.price);
  });
}
