// Every order placed for a batch is accounted for: the results CSV names each one (current or
// superseded), and the summary's charged totals equal what Runa (the simulator) charged.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decimal, toMoneyText } from "../../src/money.ts";
import type { RunningSimulator } from "../../src/simulator/index.ts";
import { runCli, workDir, type CliResult } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30", "--items-per-order", "3"];

/** 12 rows in USD and GBP; the odd ones carry a reference. */
function rewards(edit: (index: number) => string = () => ""): string {
  const lines = ["amount,currency,product_code,email,reference"];
  for (let i = 0; i < 12; i += 1) {
    const gbp = i % 4 === 3;
    const amount = edit(i) || (gbp ? `${5 + i}.50` : `${10 + i}`);
    lines.push(`${amount},${gbp ? "GBP" : "USD"},${gbp ? "AMZ-UK" : "AMZ-US"},p${i}@example.com,${i % 2 === 1 ? `R-${i}` : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Runs until every row is COMPLETED (FAILED rows are re-ordered under a new key on each run). */
async function runUntilDone(sim: RunningSimulator, cwd: string, extra: string[] = []): Promise<CliResult[]> {
  const runs: CliResult[] = [];
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const result = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST, ...extra], { cwd });
    runs.push(result);
    if (result.code !== 3) break;
  }
  return runs;
}

/** What the simulator charged: total_price of every COMPLETED order, per currency. */
function simulatorCharged(sim: RunningSimulator): Record<string, string> {
  const totals: Record<string, string> = {};
  for (const order of sim.state.orders) {
    if (order.status !== "COMPLETED") continue;
    totals[order.currency] = toMoneyText(decimal(totals[order.currency] ?? "0").plus(order.totalPrice));
  }
  return totals;
}

function summaryCharged(cwd: string): Record<string, string> {
  const summary = JSON.parse(readFileSync(join(cwd, "output", "bonus.summary.json"), "utf8")) as { charged: { currency: string; price: string }[] };
  return Object.fromEntries(summary.charged.map((total) => [total.currency, total.price]));
}

describe("every order accounted for", () => {
  it("after FAILED re-orders, multi-row orders and --accept-changes, the summary's charged totals equal what Runa charged", async () => {
    const sim = await simulator({ failureRate: 0.4, seed: 7 });
    const cwd = workDir();
    writeFileSync(join(cwd, "bonus.csv"), rewards());

    const first = await runUntilDone(sim, cwd);
    expect(first.at(-1)!.code, first.at(-1)!.stderr).toBe(0);
    expect(first.length).toBeGreaterThan(1); // some orders FAILED and were re-ordered
    const failed = sim.state.orders.filter((order) => order.status === "FAILED");
    expect(failed.length).toBeGreaterThan(0);
    expect(sim.state.orders.some((order) => order.items.length > 1)).toBe(true);
    expect(summaryCharged(cwd)).toEqual(simulatorCharged(sim));
    const before = readResults(join(cwd, "output", "bonus.results.csv"));

    // edit a paid row with a reference (index 1, row 3) and one without (index 2, row 4)
    writeFileSync(join(cwd, "bonus.csv"), rewards((i) => (i === 1 ? "99" : i === 2 ? "77" : "")));
    const refused = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(refused.code).toBe(1);
    const ordersBefore = sim.state.countOrders();
    const edited = await runUntilDone(sim, cwd, ["--accept-changes"]);
    expect(edited.at(-1)!.code, edited.at(-1)!.stderr).toBe(0);
    expect(sim.state.countOrders()).toBeGreaterThan(ordersBefore);

    // the summary's charged totals are what the simulator charged, the superseded orders included
    expect(summaryCharged(cwd)).toEqual(simulatorCharged(sim));
    const last = edited.at(-1)!.stdout;
    expect(last).toMatch(/completed order\(s\) charged .* in all, including orders superseded by an edit/);

    // the results CSV names every order Runa has for this batch: current or superseded
    const results = readResults(join(cwd, "output", "bonus.results.csv"));
    expect(results).toHaveLength(12);
    const named = new Map<string, string>();
    for (const row of results) {
      named.set(row.order_id!, "COMPLETED");
      for (const entry of row.superseded_order_ids!.split("; ").filter(Boolean)) {
        const [id, status] = entry.split(" ");
        named.set(id!, status!);
      }
    }
    for (const order of sim.state.orders) expect(named.get(order.id), `order ${order.id} is in the results`).toBe(order.status);
    // the two edited rows list the order that paid them before the edit
    for (const index of [1, 2]) {
      const earlier = before[index]!.order_id!;
      expect(results[index]!.order_id).not.toBe(earlier);
      expect(results[index]!.superseded_order_ids).toContain(`${earlier} COMPLETED`);
    }

    // status counts each row of the file once, the edited ones too
    const status = await runCli(["status", "bonus.csv", "--base-url", sim.url], { cwd });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/rows: {3}12 COMPLETED\n/);
  });
});
