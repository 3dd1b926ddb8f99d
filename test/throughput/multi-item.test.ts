// Many rows per order, end to end through the real CLI: every row gets the link of an item with
// its own content; a FAILED or rejected order marks all its rows; SIGKILL at any point and re-runs
// still pay every row exactly once.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toMoneyText } from "../../src/money.ts";
import type { SimulatedOrder, SimulatedOrderItem } from "../../src/simulator/index.ts";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";
import { mixedRow, plainRow, rows, writeRewards, type RewardRow } from "./rewards-file.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];

/** Every item the simulator made, by its payout link. */
function itemsByUrl(
  orders: readonly SimulatedOrder[],
): Map<string, { order: SimulatedOrder; item: SimulatedOrderItem }> {
  const byUrl = new Map<string, { order: SimulatedOrder; item: SimulatedOrderItem }>();
  for (const order of orders) for (const item of order.items) byUrl.set(item.payoutUrl, { order, item });
  return byUrl;
}

/** The row's link belongs to an item with the row's address (or none), face value and products, in the row's order. */
function expectRightLinks(
  results: Record<string, string>[],
  input: readonly RewardRow[],
  orders: readonly SimulatedOrder[],
): void {
  const byUrl = itemsByUrl(orders);
  const used = new Set<string>();
  results.forEach((result, index) => {
    const row = input[index]!;
    expect(result.status, `row ${result.row}: ${result.error_message}`).toBe("COMPLETED");
    const found = byUrl.get(result.redemption_url!);
    expect(found, `row ${result.row}: link ${result.redemption_url} is no item's`).toBeDefined();
    const { order, item } = found!;
    expect(used.has(item.id), `item ${item.id} given to two rows`).toBe(false);
    used.add(item.id);
    expect(result.order_id).toBe(order.id);
    expect(result.idempotency_key).toBe(order.idempotencyKey);
    expect(toMoneyText(item.faceValue)).toBe(toMoneyText(row.amount));
    expect(item.distributionMethod).toEqual(
      row.distribution === "EMAIL"
        ? { type: "EMAIL", email_address: row.email!.toLowerCase() }
        : { type: "PAYOUT_LINK" },
    );
    const products = item.products as { type: string; value?: string; values?: string[]; template_id?: string };
    if (row.templateId) expect(products).toMatchObject({ type: "TEMPLATE", template_id: row.templateId });
    else if (row.productCodes) expect(products).toEqual({ type: "MULTIPLE", values: row.productCodes });
    else expect(products).toEqual({ type: "SINGLE", value: row.productCode });
    expect(result.price).toBe(item.price);
  });
}

/** Exactly one payout per row: as many items as rows over all orders, and no key ordered twice. */
function expectOnePayoutPerRow(
  orders: readonly SimulatedOrder[],
  ordersByKey: Map<string, SimulatedOrder[]>,
  rowCount: number,
): void {
  expect(orders.reduce((sum, order) => sum + order.items.length, 0)).toBe(rowCount);
  for (const [key, sameKey] of ordersByKey) expect(sameKey.length, `key ${key}`).toBe(1);
}

describe("--items-per-order", () => {
  it("sends 1,000 rows as orders of up to 200 and gives every row the link of its own item", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const input = rows(1000, mixedRow);
    const file = writeRewards(cwd, "thousand", input);
    const result = await runCli(["run", file, "--base-url", sim.url, "--items-per-order", "200", ...FAST], { cwd });
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code, result.stdout + result.stderr).toBe(0);

    const orders = sim.state.orders;
    // 600 USD product rows "Thanks" (3 full orders), 100 MULTIPLE rows join them, 100 template rows apart, 100 GBP rows apart
    expect(orders.length).toBeLessThanOrEqual(8);
    for (const order of orders) {
      expect(order.items.length).toBeLessThanOrEqual(200);
      const body = JSON.parse(order.rawBody) as { items: { products: { type: string; template_id?: string } }[] };
      const templates = new Set(
        body.items.map((each) => (each.products.type === "TEMPLATE" ? each.products.template_id : "-")),
      );
      expect(templates.size, "a template shares its order with nothing else").toBe(1);
    }
    expectOnePayoutPerRow(orders, sim.state.ordersByKey(), input.length);
    expectRightLinks(readResults(join(cwd, "output", "thousand.results.csv")), input, orders);
  });

  it("marks every row of a FAILED order, and the summary says the whole order failed", async () => {
    const sim = await simulator({ failureRate: 1 });
    const cwd = workDir();
    const file = writeRewards(cwd, "failing", rows(25, plainRow));
    const result = await runCli(["run", file, "--base-url", sim.url, "--items-per-order", "10", ...FAST], { cwd });
    expect(result.code).toBe(3);
    expect(sim.state.countOrders()).toBe(3);
    const results = readResults(join(cwd, "output", "failing.results.csv"));
    expect(results.map((row) => row.status)).toEqual(Array(25).fill("FAILED"));
    expect(results[0]!.error_message).toMatch(/all 10 rows of this order/);
    expect(results[24]!.error_message).toMatch(/all 5 rows of this order/);
    expect(result.stdout).toMatch(/3 multi-row order\(s\) FAILED and 0 were rejected as a whole: all 25 of their rows/);
  });

  it("marks every row of a rejected order: one order, one answer", async () => {
    const sim = await simulator({ balances: { USD: "100.00" } });
    const cwd = workDir();
    const file = writeRewards(cwd, "short", rows(12, plainRow)); // 10..21 USD each: no order of 6 fits in 100.00 twice
    const result = await runCli(
      ["run", file, "--base-url", sim.url, "--items-per-order", "6", "--ignore-balance", ...FAST],
      { cwd },
    );
    expect(result.code).toBe(4); // insufficient_funds is account-wide: the run stops sending
    const results = readResults(join(cwd, "output", "short.results.csv"));
    const rejected = results.filter((row) => row.status === "REJECTED");
    expect(rejected.length % 6).toBe(0);
    expect(rejected.length).toBeGreaterThan(0);
    for (const row of rejected) {
      expect(row.error_type).toBe("insufficient_funds");
      expect(row.error_message).toMatch(/^Runa rejected the whole order \(all 6 rows of this order\)/);
    }
    expect(result.stdout).toMatch(/were rejected as a whole/);
  });

  it("pays every row exactly once through SIGKILLs after the 1st, 3rd and 5th order and re-runs", async () => {
    // The simulator answers 150 ms after committing an order, so a kill often lands between the
    // commit and the journal's "accepted": the re-run must re-post that key with the same body.
    const sim = await simulator({ faults: { latencyMs: 150 } });
    const cwd = workDir();
    const input = rows(300, mixedRow);
    const file = writeRewards(cwd, "crashy", input);
    const args = [
      "run",
      file,
      "--base-url",
      sim.url,
      "--items-per-order",
      "20",
      "--rate",
      "600",
      "--poll-timeout",
      "30",
    ];
    for (const killAfter of [1, 3, 5]) {
      const run = await runCli(args, {
        cwd,
        onSpawn: (child) => {
          const watch = setInterval(() => {
            if (sim.state.countOrders() >= killAfter) {
              clearInterval(watch);
              child.kill("SIGKILL");
            }
          }, 2);
          child.once("exit", () => clearInterval(watch));
        },
      });
      expect(run.signal, `run killed after order ${killAfter}: ${run.stderr.slice(-500)}`).toBe("SIGKILL");
    }
    const last = await runCli(args, { cwd });
    expect(last.code, last.stdout + last.stderr).toBe(0);

    const orders = sim.state.orders;
    expect(
      sim.state.countOrderPosts(),
      "some kill left an order sent but unanswered, and its key was re-posted",
    ).toBeGreaterThan(orders.length);
    expectOnePayoutPerRow(orders, sim.state.ordersByKey(), input.length);
    expectRightLinks(readResults(join(cwd, "output", "crashy.results.csv")), input, orders);
    // the journal recorded each order once with its member rows; re-runs re-posted, never re-grouped
    const journal = readFileSync(journalFile(cwd, "crashy"), "utf8")
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as { type: string; key?: string; rows?: unknown[] });
    const planned = journal.filter((record) => record.type === "order");
    expect(new Set(planned.map((record) => record.key)).size).toBe(orders.length);
    expect(planned.reduce((sum, record) => sum + (record.rows?.length ?? 0), 0)).toBe(input.length);
  }, 60_000);

  it("keeps a sent order's group on a re-run with another --items-per-order; only unsent rows take the new size", async () => {
    const sim = await simulator({ faults: { latencyMs: 100 } });
    const cwd = workDir();
    const input = rows(500, plainRow); // more than the 32 orders the first run plans ahead of the limiter
    const file = writeRewards(cwd, "regroup", input);
    const base = ["run", file, "--base-url", sim.url, "--rate", "600", "--poll-timeout", "30"];
    const killed = await runCli([...base, "--items-per-order", "10"], {
      cwd,
      onSpawn: (child) => {
        const watch = setInterval(
          () => sim.state.countOrders() >= 2 && (clearInterval(watch), child.kill("SIGKILL")),
          2,
        );
        child.once("exit", () => clearInterval(watch));
      },
    });
    expect(killed.signal).toBe("SIGKILL");
    const journalPath = journalFile(cwd, "regroup");
    const plannedFirst = readFileSync(journalPath, "utf8")
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as { type: string; key?: string; rows?: unknown[] })
      .filter((record) => record.type === "order");
    expect(plannedFirst.every((record) => record.rows?.length === 10)).toBe(true);
    expect(plannedFirst.length).toBeLessThan(50);
    const last = await runCli([...base, "--items-per-order", "25"], { cwd });
    expect(last.code, last.stdout + last.stderr).toBe(0);

    const orders = sim.state.orders;
    expectOnePayoutPerRow(orders, sim.state.ordersByKey(), input.length);
    const firstKeys = new Set(plannedFirst.map((record) => record.key));
    for (const order of orders) {
      if (firstKeys.has(order.idempotencyKey)) expect(order.items.length).toBe(10);
      else expect(order.items.length).toBeLessThanOrEqual(25);
    }
    expect(orders.filter((order) => firstKeys.has(order.idempotencyKey))).toHaveLength(plannedFirst.length);
    expect(orders.filter((order) => order.items.length === 25).length).toBeGreaterThan(0);
    expectRightLinks(readResults(join(cwd, "output", "regroup.results.csv")), input, orders);
  });
});
