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
    lines.push(
      `${amount},${gbp ? "GBP" : "USD"},${gbp ? "AMZ-UK" : "AMZ-US"},p${i}@example.com,${i % 2 === 1 ? `R-${i}` : ""}`,
    );
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
  const summary = JSON.parse(readFileSync(join(cwd, "output", "bonus.summary.json"), "utf8")) as {
    charged: { currency: string; price: string }[];
  };
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
    writeFileSync(
      join(cwd, "bonus.csv"),
      rewards((i) => (i === 1 ? "99" : i === 2 ? "77" : "")),
    );
    const refused = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(refused.code).toBe(1);
    const ordersBefore = sim.state.countOrders();
    const edited = await runUntilDone(sim, cwd, ["--accept-changes"]);
    expect(edited.at(-1)!.code, edited.at(-1)!.stderr).toBe(0);
    expect(sim.state.countOrders()).toBeGreaterThan(ordersBefore);
    const ordersAfterEdits = sim.state.countOrders();

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
    for (const order of sim.state.orders)
      expect(named.get(order.id), `order ${order.id} is in the results`).toBe(order.status);
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

    // rows deleted from the file: their orders are still the batch's, named in the summary JSON
    const kept = rewards((i) => (i === 1 ? "99" : i === 2 ? "77" : ""))
      .split("\n")
      .filter((_, index) => index !== 6 && index !== 7);
    writeFileSync(join(cwd, "bonus.csv"), kept.join("\n"));
    const shorter = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(shorter.code, shorter.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(ordersAfterEdits); // nothing sent
    expect(summaryCharged(cwd)).toEqual(simulatorCharged(sim));
    const summary = JSON.parse(readFileSync(join(cwd, "output", "bonus.summary.json"), "utf8")) as {
      ordersNotInFile: { orderId?: string; status: string; rows: number[] }[];
    };
    const shortResults = readResults(join(cwd, "output", "bonus.results.csv"));
    expect(shortResults).toHaveLength(10);
    const accounted = new Map<string, string>();
    for (const row of shortResults) {
      accounted.set(row.order_id!, "COMPLETED");
      for (const entry of row.superseded_order_ids!.split("; ").filter(Boolean))
        accounted.set(entry.split(" ")[0]!, entry.split(" ")[1]!);
    }
    for (const order of summary.ordersNotInFile) {
      expect(accounted.has(order.orderId!), `${order.orderId} is listed once`).toBe(false);
      accounted.set(order.orderId!, order.status);
    }
    for (const order of sim.state.orders)
      expect(accounted.get(order.id), `order ${order.id} is in the results or the summary`).toBe(order.status);
    // the deleted rows' own orders (those not shared with a row still in the file) are the ones named
    const deletedOrders = new Set([before[5]!.order_id, before[6]!.order_id]);
    const stillCarried = new Set(shortResults.map((row) => row.order_id));
    for (const id of deletedOrders)
      expect(stillCarried.has(id) || summary.ordersNotInFile.some((order) => order.orderId === id)).toBe(true);
  });

  it("names the orders of rows deleted from the file in the summary, and keeps them in the charged totals", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const lines = [
      "amount,currency,product_code,email",
      "25,USD,AMZ-US,a@example.com",
      "10,USD,TGT-US,b@example.com",
      "30,USD,AMZ-US,c@example.com",
    ];
    writeFileSync(join(cwd, "bonus.csv"), `${lines.join("\n")}\n`);
    const first = await runCli(["run", "bonus.csv", "--base-url", sim.url, "--rate", "3000"], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const paid = readResults(join(cwd, "output", "bonus.results.csv"));

    writeFileSync(join(cwd, "bonus.csv"), `${[lines[0], lines[1], lines[3]].join("\n")}\n`); // b deleted
    const second = await runCli(["run", "bonus.csv", "--base-url", sim.url, "--rate", "3000"], { cwd });
    expect(second.code, second.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(3);
    const summary = JSON.parse(readFileSync(join(cwd, "output", "bonus.summary.json"), "utf8"));
    const deleted = sim.state.orders.find((order) => order.id === paid[1]!.order_id)!;
    expect(summary.ordersNotInFile).toEqual([
      { orderId: deleted.id, key: deleted.idempotencyKey, status: "COMPLETED", rows: [3], price: deleted.totalPrice },
    ]);
    expect(summary.completed).toEqual([expect.objectContaining({ currency: "USD", rows: 2 })]);
    expect(summaryCharged(cwd)).toEqual(simulatorCharged(sim));
    expect(second.stdout).toContain(
      `1 order(s) of this batch are for rows no longer in the file (deleted, or now invalid): ${deleted.id} COMPLETED (then row 3)`,
    );
    expect(second.stdout).toMatch(/USD: the batch's 3 completed order\(s\) charged \S+ in all/);
  });
});
