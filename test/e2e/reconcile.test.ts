// `runa-batch reconcile` end to end: the real CLI against the simulator, which lists its orders
// with Runa's GET /order pagination. Every scenario also checks that reconcile sent nothing.
import { rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { decimal, toMoneyText } from "../../src/money.ts";
import type { RunningSimulator } from "../../src/simulator/index.ts";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { validateRequest, validateResponse } from "../helpers/openapi.ts";
import { readResults } from "../helpers/results.ts";
import { call, item, orderBody, postOrder, simulator } from "../helpers/simulator.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];

function writeFile(cwd: string, name: string, rows: string[]): void {
  writeFileSync(join(cwd, name), `amount,currency,product_code,email\n${rows.join("\n")}\n`);
}

/** Two batches: "october" (USD and GBP, two rows per order) and "bonus" (USD). */
async function runTwoBatches(sim: RunningSimulator, cwd: string): Promise<void> {
  writeFile(cwd, "october.csv", [
    "25,USD,AMZ-US,a@example.com",
    "10,USD,TGT-US,b@example.com",
    "12.50,GBP,AMZ-UK,c@example.com",
    "30,USD,AMZ-US,d@example.com",
  ]);
  writeFile(cwd, "bonus.csv", ["50,USD,TGT-US,e@example.com"]);
  for (const [file, extra] of [
    ["october.csv", ["--items-per-order", "2"]],
    ["bonus.csv", []],
  ] as const) {
    const result = await runCli(["run", file, "--base-url", sim.url, ...FAST, ...extra], { cwd });
    expect(result.code, result.stderr).toBe(0);
  }
}

async function reconcile(sim: RunningSimulator, cwd: string, extra: string[] = []) {
  const posts = sim.state.countOrderPosts();
  const result = await runCli(["reconcile", "--base-url", sim.url, "--out", "output/reconcile.csv", ...extra], { cwd });
  expect(sim.state.countOrderPosts()).toBe(posts); // reconcile sends nothing
  const csv = join(cwd, "output", "reconcile.csv");
  return { ...result, csv, rows: result.code === 0 || result.code === 3 ? readResults(csv) : [] };
}

/** The simulator's COMPLETED orders' total_price per currency, for the orders with these ids. */
function charged(sim: RunningSimulator, ids: Set<string>): Record<string, string> {
  const totals: Record<string, string> = {};
  for (const order of sim.state.orders) {
    if (!ids.has(order.id) || order.status !== "COMPLETED") continue;
    totals[order.currency] = toMoneyText(decimal(totals[order.currency] ?? "0").plus(order.totalPrice));
  }
  return totals;
}

function orderIds(cwd: string, results: string): Set<string> {
  return new Set(readResults(join(cwd, "output", results)).map((row) => row.order_id!));
}

describe("runa-batch reconcile", () => {
  it("matches every order and every total when the journals and Runa agree: exit 0, a CSV line per batch and currency", async () => {
    const sim = await simulator();
    const cwd = workDir();
    await runTwoBatches(sim, cwd);
    expect(sim.state.countOrders()).toBe(4); // october: USD 2+1 rows in 2 orders, GBP 1; bonus: 1

    const result = await reconcile(sim, cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^Reconciled 4 Runa order\(s\) of all time against 2 journal\(s\) in .*\.runa-state\/custom-/,
    );
    expect(result.stdout).toContain("Everything matches.");
    expect(statSync(result.csv).mode & 0o777).toBe(0o600);

    const october = charged(sim, orderIds(cwd, "october.results.csv"));
    const bonus = charged(sim, orderIds(cwd, "bonus.results.csv"));
    const line = (batch: string, currency: string, orders: number, total: string) => ({
      finding: "totals_match",
      batch_id: batch,
      order_id: "",
      currency,
      runa_status: "",
      journal_status: "",
      created_at: "",
      journal_orders: String(orders),
      journal_total: total,
      runa_orders: String(orders),
      runa_total: total,
      journal_file: "",
    });
    expect(result.rows).toEqual([
      line("bonus", "USD", 1, bonus.USD!),
      line("october", "GBP", 1, october.GBP!),
      line("october", "USD", 2, october.USD!),
    ]);
  });

  it("reads Runa's list to its end, page by page, and reports orders no journal knows: exit 3", async () => {
    const sim = await simulator({ ordersPerMinute: 100_000 });
    const cwd = workDir();
    await runTwoBatches(sim, cwd);
    // 510 orders placed by another tool: more than one page of 500
    for (let i = 0; i < 510; i += 1)
      expect((await postOrder(sim, orderBody([item({ faceValue: 5 })]), { key: `other-${i}` })).status).toBe(202);
    const foreign = new Set(sim.state.orders.slice(4).map((order) => order.id));

    const result = await reconcile(sim, cwd);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toContain("MISMATCH: 510 order(s) at Runa that no journal knows");
    expect(result.stdout).toContain("... and 490 more (see the CSV)");
    const unknown = result.rows.filter((row) => row.finding === "unknown_to_journals");
    expect(new Set(unknown.map((row) => row.order_id))).toEqual(foreign);
    expect(result.rows.filter((row) => row.finding === "totals_match")).toHaveLength(3);

    // the CLI paged with Runa's cursors to an empty page, each request as the spec describes it
    const lists = sim.state.requests.filter((request) => request.method === "GET" && request.path === "/order");
    expect(lists.map((request) => request.query.after?.[0] ?? "")).toEqual([
      "",
      sim.state.orders[499]!.id,
      sim.state.orders.at(-1)!.id,
    ]);
    for (const request of lists) {
      const query = new URLSearchParams(
        Object.entries(request.query).flatMap(([name, values]) =>
          values.map((value): [string, string] => [name, value]),
        ),
      );
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      expect(
        validateRequest({ method: "GET", path: `/order?${query.toString()}`, headers }),
        `GET /order?${query.toString()}`,
      ).toEqual([]);
      // and the simulator's answer to it matches the spec
      const answer = await call(sim, `/order?${query.toString()}`);
      expect(validateResponse("GET", `/order?${query.toString()}`, answer.status, answer.json)).toEqual([]);
    }
  });

  it("lists the orders of a journal deleted after its run as unknown to any journal", async () => {
    const sim = await simulator();
    const cwd = workDir();
    await runTwoBatches(sim, cwd);
    rmSync(journalFile(cwd, "bonus"));
    const bonusOrders = orderIds(cwd, "bonus.results.csv");

    const result = await reconcile(sim, cwd);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toContain("against 1 journal(s)");
    const unknown = result.rows.filter((row) => row.finding === "unknown_to_journals");
    expect(new Set(unknown.map((row) => row.order_id))).toEqual(bonusOrders);
    const order = sim.state.orders.find((candidate) => bonusOrders.has(candidate.id))!;
    expect(unknown[0]).toMatchObject({
      runa_status: "COMPLETED",
      currency: "USD",
      runa_total: order.totalPrice,
      created_at: new Date(order.createdAt).toISOString(),
    });
    expect(result.rows.filter((row) => row.batch_id === "october").map((row) => row.finding)).toEqual([
      "totals_match",
      "totals_match",
    ]);
  });

  it("reports journal orders Runa does not list, and totals that differ", async () => {
    const sim = await simulator();
    const cwd = workDir();
    await runTwoBatches(sim, cwd);
    // Runa reports another price for bonus's order than the journal recorded when it settled
    const bonusOrder = sim.state.orders.find((order) => orderIds(cwd, "bonus.results.csv").has(order.id))!;
    const journalPrice = bonusOrder.totalPrice;
    bonusOrder.totalPrice = "99.99";

    const differ = await reconcile(sim, cwd);
    expect(differ.code, differ.stderr).toBe(3);
    expect(differ.rows.find((row) => row.batch_id === "bonus")).toMatchObject({
      finding: "totals_differ",
      journal_total: journalPrice,
      runa_total: "99.99",
      journal_orders: "1",
      runa_orders: "1",
    });
    expect(differ.stdout).toContain(`bonus USD: journal 1 order(s) ${journalPrice}, Runa 1 order(s) 99.99  MISMATCH`);

    // the same journals against another account, which has none of their orders
    const other = await simulator();
    const missing = await reconcile(other, cwd, ["--journal-dir", dirname(journalFile(cwd, "bonus"))]);
    expect(missing.code).toBe(3);
    const rows = missing.rows.filter((row) => row.finding === "missing_at_runa");
    expect(rows.map((row) => row.order_id).sort()).toEqual(
      [...orderIds(cwd, "october.results.csv"), ...orderIds(cwd, "bonus.results.csv")].sort(),
    );
    expect(
      rows.every((row) => row.journal_status === "COMPLETED" && row.journal_file!.endsWith(".journal.jsonl")),
    ).toBe(true);
    expect(missing.rows.filter((row) => row.finding === "totals_differ")).toHaveLength(3);
  });

  it("reports only what falls in --since/--until; a bad date is a usage error naming the flag", async () => {
    const sim = await simulator();
    const cwd = workDir();
    await runTwoBatches(sim, cwd);
    rmSync(journalFile(cwd, "bonus")); // an unknown order, but not in these periods
    const placed = sim.state.orders[0]!.createdAt; // the day the orders were placed (not "now": midnight may pass)
    const today = new Date(placed).toISOString().slice(0, 10);
    const tomorrow = new Date(placed + 86_400_000).toISOString().slice(0, 10);
    const yesterday = new Date(placed - 86_400_000).toISOString().slice(0, 10);

    const later = await reconcile(sim, cwd, ["--since", tomorrow]);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toMatch(/^Reconciled 0 Runa order\(s\) from \d{4}-\d\d-\d\d to now \(UTC\)/);
    expect(later.rows).toEqual([]);
    const earlier = await reconcile(sim, cwd, ["--until", yesterday]);
    expect(earlier.code, earlier.stderr).toBe(0);
    expect(earlier.rows).toEqual([]);
    const todayOnly = await reconcile(sim, cwd, ["--since", today, "--until", today]);
    expect(todayOnly.code).toBe(3); // the whole of today: the bonus order is in it
    expect(todayOnly.stdout).toContain("Reconciled 4 Runa order(s)");

    const bad = await runCli(["reconcile", "--base-url", sim.url, "--since", "last week"], { cwd });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      '--since must be a date (2026-11-01) or an ISO 8601 timestamp (2026-11-01T08:00:00Z), got "last week"',
    );
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
