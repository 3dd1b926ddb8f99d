// Re-running a file is always safe: nobody paid twice, nobody forgotten.
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";
import { journalRecords, writeJournal } from "../helpers/journal.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];
const postsTo = (sim: { state: { countOrderPosts(): number } }) => sim.state.countOrderPosts();

describe("re-runs", () => {
  it("completes rows rejected for insufficient_funds once the balance is topped up, without paying the others again", async () => {
    // 10 USD rows of 10.00 each at TGT-US (5 % discount: 9.50 each); the account holds 48.00
    const sim = await simulator({ balances: { USD: "48.00", GBP: "1000.00", EUR: "1000.00", CAD: "1000.00" } });
    const cwd = workDir();
    const rows = Array.from({ length: 10 }, (_, i) => `10,USD,TGT-US,p${i}@example.com`);
    writeFileSync(join(cwd, "bonus.csv"), `amount,currency,product_code,email\n${rows.join("\n")}\n`);

    // In production the balance check refuses before any POST (the playground would go on: see playground.test.ts)
    const refused = await runCli(
      ["run", "bonus.csv", "--base-url", sim.url, "--env", "production", "--batch-id", "bonus", "--yes", ...FAST],
      { cwd },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/balance is short: USD needs 95\.00, has 48\.00/);
    expect(postsTo(sim)).toBe(0);

    // The first insufficient_funds stops the run (exit 4): rows not yet sent wait as NOT_SENT
    const first = await runCli(["run", "bonus.csv", "--base-url", sim.url, "--ignore-balance", ...FAST], { cwd });
    expect(first.code, first.stderr).toBe(4);
    const firstResults = readResults(join(cwd, "output", "bonus.results.csv"));
    const completed = firstResults.filter((row) => row.status === "COMPLETED");
    const rejected = firstResults.filter((row) => row.status === "REJECTED");
    const waiting = firstResults.filter((row) => row.status === "NOT_SENT");
    expect(completed).toHaveLength(5);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    expect(rejected.length + waiting.length).toBe(5);
    for (const row of rejected) expect(row.error_type).toBe("insufficient_funds");
    expect(sim.state.countOrders()).toBe(5);

    // 0.50 left + 50.00 covers the 5 rows still to send (47.50), not all 10 (95.00): the balance
    // check prices only what the re-run will send
    sim.state.topUp("USD", "50.00");
    const second = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(second.code, second.stderr).toBe(0);
    const secondResults = readResults(join(cwd, "output", "bonus.results.csv"));
    expect(secondResults.map((row) => row.status)).toEqual(Array(10).fill("COMPLETED"));
    expect(sim.state.countOrders()).toBe(10);
    // the rows completed on the first run keep their order and link; the rejected ones got a new key
    for (const row of completed) {
      const again = secondResults.find((candidate) => candidate.email === row.email)!;
      expect(again.order_id).toBe(row.order_id);
      expect(again.redemption_url).toBe(row.redemption_url);
    }
    for (const row of rejected) {
      const again = secondResults.find((candidate) => candidate.email === row.email)!;
      expect(again.idempotency_key).not.toBe(row.idempotency_key);
    }
    for (const row of waiting) {
      const again = secondResults.find((candidate) => candidate.email === row.email)!;
      expect(again.idempotency_key).toBe(row.idempotency_key);
    }
  });

  it("makes zero POSTs when re-running a fully completed batch, and gives the same results", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, 12);
    expect((await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    const before = readFileSync(join(cwd, "output", "rewards.results.csv"), "utf8");
    const posts = postsTo(sim);
    const again = await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(postsTo(sim)).toBe(posts);
    expect(again.stdout).toMatch(/12 row\(s\) were already COMPLETED/);
    expect(readFileSync(join(cwd, "output", "rewards.results.csv"), "utf8")).toBe(before);
  });

  it("stops before any POST when a paid row was edited, and orders it as new only with --accept-changes", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const csv = (amount: string) =>
      `amount,currency,product_code,email,reference\n${amount},USD,AMZ-US,kim@example.com,E-17\n20,USD,AMZ-US,lee@example.com,E-18\n`;
    writeFileSync(join(cwd, "pay.csv"), csv("10"));
    expect((await runCli(["run", "pay.csv", "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, "pay.csv"), csv("15"));
    const posts = postsTo(sim);
    const refused = await runCli(["run", "pay.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/row 2 \(reference E-17\) was edited after it was paid/);
    expect(refused.stderr).toMatch(/--accept-changes/);
    expect(postsTo(sim)).toBe(posts);

    const accepted = await runCli(["run", "pay.csv", "--base-url", sim.url, "--accept-changes", ...FAST], { cwd });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(3); // the 10.00 order stands, the 15.00 one is new, E-18 untouched
    const results = readResults(join(cwd, "output", "pay.results.csv"));
    expect(results[0]).toMatchObject({ amount: "15", status: "COMPLETED", price: "14.55" });
  });

  it("stops when a row without a reference is changed where a paid row stood", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(join(cwd, "pay.csv"), "amount,currency,product_code,email\n10,USD,AMZ-US,kim@example.com\n");
    expect((await runCli(["run", "pay.csv", "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, "pay.csv"), "amount,currency,product_code,email\n10,USD,AMZ-US,kim@example.org\n");
    const refused = await runCli(["run", "pay.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /1 row\(s\) that earlier runs of this batch paid or sent are no longer in the file as they were: row 2 \(paid as order O-\w+\); and 1 row\(s\) are new to this batch: row\(s\) 2\./,
    );
    expect(sim.state.countOrders()).toBe(1);
  });

  it("refuses to re-send keys first sent over 29 days ago without --force-after-expiry", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(join(cwd, "old.csv"), "amount,currency,product_code,email\n10,USD,AMZ-US,kim@example.com\n");
    // A first run that was killed after sending: plan and post recorded, no answer.
    const first = await runCli(["run", "old.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(first.code).toBe(0);
    const journalPath = journalFile(cwd, "old");
    const records = journalRecords(journalPath);
    const old = "2026-01-01T00:00:00.000Z";
    const kept = records
      .filter((record) => record.type === "batch" || record.type === "order" || record.type === "post")
      .map((record) => ({ ...record, at: old }));
    writeJournal(journalPath, kept);

    const refused = await runCli(["run", "old.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/over 29 days ago/);
    const forced = await runCli(["run", "old.csv", "--base-url", sim.url, "--force-after-expiry", ...FAST], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    // the simulator still knew the key (its clock is not 30 days on), so the same order came back
    expect(sim.state.countOrders()).toBe(1);
  });

  it("refuses a second run of a batch that is running, and takes over a lock left by a killed process", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(join(cwd, "b.csv"), "amount,currency,product_code,email\n10,USD,AMZ-US,kim@example.com\n");
    await runCli(["run", "b.csv", "--base-url", sim.url, ...FAST], { cwd }); // creates the state folder
    const lockPath = journalFile(cwd, "b").replace(/\.journal\.jsonl$/, ".lock");
    // held by a live process (this test runner)
    writeFileSync(
      lockPath,
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }),
    );
    const refused = await runCli(["run", "b.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already being run by process/);
    // left by a process that no longer exists
    writeFileSync(lockPath, JSON.stringify({ pid: 2 ** 22 + 11, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }));
    const resumed = await runCli(["run", "b.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it("refuses a re-run whose journal was lost; when told to go on, same keys and bodies replay the orders", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, 8);
    expect((await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    const first = readResults(join(cwd, "output", "rewards.results.csv"));
    writeFileSync(journalFile(cwd, "rewards"), ""); // lost
    const refused = await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /8 row\(s\) were sent by this batch \("rewards"\) in orders its journal no longer holds/,
    );
    expect(postsTo(sim)).toBe(8);
    const again = await runCli(["run", file, "--base-url", sim.url, "--allow-repeat-payments", ...FAST], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(8);
    const second = readResults(join(cwd, "output", "rewards.results.csv"));
    expect(second.map((row) => row.order_id)).toEqual(first.map((row) => row.order_id));
  });

  it("status tells what the journal knows and what a re-run would do, sending nothing", async () => {
    const sim = await simulator({ completionDelayMs: 5_000 });
    const cwd = workDir();
    const file = writeRewards(cwd, 6);
    const crashed = await runCli(["run", file, "--base-url", sim.url, ...FAST], {
      cwd,
      env: { RUNA_BATCH_CRASH_AT: "accepted:3" },
    });
    expect(crashed.signal).toBe("SIGKILL");
    const posts = postsTo(sim);
    const report = await runCli(["status", file, "--base-url", sim.url], { cwd });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(`journal: ${journalFile(cwd, "rewards")}`);
    expect(report.stdout).toMatch(/poll 3 row\(s\) whose order was accepted/);
    expect(report.stdout).toMatch(/for the 6 valid row\(s\) of .*rewards\.csv a re-run would:/);
    expect(postsTo(sim)).toBe(posts);
    const byId = await runCli(["status", "rewards", "--base-url", sim.url], { cwd });
    expect(byId.stdout).toMatch(/orders: .*3 accepted, not final yet/);
    const unknown = await runCli(["status", "never-ran", "--base-url", sim.url], { cwd });
    expect(unknown.stdout).toMatch(
      /no journal for this batch in .*\.runa-state\/custom-127\.0\.0\.1_\d+-\w+: nothing was sent for it from this machine/,
    );
  });

  it("leaves slow orders PENDING at the poll timeout, and a re-run polls them without posting again", async () => {
    const sim = await simulator({ completionDelayMs: 3_000 });
    const cwd = workDir();
    const file = writeRewards(cwd, 4);
    const first = await runCli(["run", file, "--base-url", sim.url, "--rate", "3000", "--poll-timeout", "0.5"], {
      cwd,
    });
    expect(first.code).toBe(3);
    const pending = readResults(join(cwd, "output", "rewards.results.csv"));
    expect(pending.map((row) => row.status)).toEqual(["PENDING", "PENDING", "PENDING", "PENDING"]);
    for (const row of pending) expect(row.order_id).toMatch(/^O-/);
    const posts = postsTo(sim);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const second = await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd });
    expect(second.code, second.stderr).toBe(0);
    expect(postsTo(sim)).toBe(posts);
    const done = readResults(join(cwd, "output", "rewards.results.csv"));
    expect(done.map((row) => row.order_id)).toEqual(pending.map((row) => row.order_id));
    expect(done.every((row) => row.status === "COMPLETED")).toBe(true);
  });

  it("re-orders FAILED rows under a new key until they complete, never paying a row twice", async () => {
    const sim = await simulator({ failureRate: 0.5 });
    const cwd = workDir();
    const file = writeRewards(cwd, 10);
    const codes: (number | null)[] = [];
    for (let run = 0; run < 8 && codes.at(-1) !== 0; run += 1) {
      codes.push((await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd })).code);
    }
    expect(codes[0]).toBe(3); // some FAILED the first time
    expect(codes.at(-1)).toBe(0);
    const results = readResults(join(cwd, "output", "rewards.results.csv"));
    // exactly one COMPLETED order per row; the FAILED ones paid nobody
    const completedByRow = new Map<string, number>();
    for (const order of sim.state.orders) {
      if (order.status !== "COMPLETED") continue;
      const link = order.items[0]!.payoutUrl;
      const row = results.find((result) => result.redemption_url === link);
      expect(row, `completed order ${order.id} belongs to a row`).toBeDefined();
      completedByRow.set(row!.row!, (completedByRow.get(row!.row!) ?? 0) + 1);
    }
    expect([...completedByRow.values()]).toEqual(Array(10).fill(1));
    expect(sim.state.orders.some((order) => order.status === "FAILED")).toBe(true);
  });
});
