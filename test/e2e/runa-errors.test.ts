// Runa's error semantics at CLI level: only Runa's own error body proves a refusal; account-wide
// refusals stop the run; 422 details reach the results. Every money scenario counts the
// simulator's orders.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_CONCURRENT_POSTS } from "../../src/batch/limiters.ts";
import type { RunningSimulator } from "../../src/simulator/index.ts";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { faultProxy, HTML_408, type ForeignAnswer } from "../helpers/proxy.ts";
import { readResults } from "../helpers/results.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];

function expectEachRowPaidOnce(sim: RunningSimulator, rows: number): void {
  const duplicated = [...sim.state.ordersByKey()].filter(([, orders]) => orders.length > 1);
  expect(duplicated, "keys with more than one order").toEqual([]);
  expect(sim.state.countOrders()).toBe(rows);
}

describe("answers that did not come from Runa", () => {
  const foreign: [string, ForeignAnswer][] = [
    ["an HTML 408 from a proxy", HTML_408],
    ["a 502 Bad Gateway page", { status: 502, contentType: "text/plain", body: "Bad Gateway" }],
    [
      "a 409 with someone else's JSON",
      { status: 409, contentType: "application/json", body: '{"error":"conflict","code":409}' },
    ],
    [
      "a 400 whose Runa body was cut short",
      { status: 400, contentType: "application/json", body: '{"type":"insufficient_fu' },
    ],
    ["a 403 without a body", { status: 403, contentType: "text/plain", body: "" }],
  ];

  it.each(foreign)(
    "after the order was committed, %s is retried with the same key: every row paid exactly once",
    async (_name, answer) => {
      const sim = await simulator({ ordersPerMinute: 100_000 });
      const seen = new Set<string>();
      // The first POST of every key reaches the simulator, which commits the order; the proxy then
      // answers in its own words instead of passing Runa's 202 on.
      const proxy = await faultProxy(sim.url, {
        after: ({ key }) => (seen.has(key) ? undefined : (seen.add(key), answer)),
      });
      const cwd = workDir();
      const file = writeRewards(cwd, 15);
      const result = await runCli(["run", file, "--base-url", proxy.url, ...FAST], { cwd });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.replaced).toBe(15);
      const results = readResults(join(cwd, "output", "rewards.results.csv"));
      expect(results.map((row) => row.status)).toEqual(Array(15).fill("COMPLETED"));
      expectEachRowPaidOnce(sim, 15);
      expect(result.stdout).toMatch(/15 answer\(s\) not from Runa/);

      // and a re-run has nothing to send: nobody is paid a second time under a new key
      const again = await runCli(["run", file, "--base-url", proxy.url, ...FAST], { cwd });
      expect(again.code, again.stderr).toBe(0);
      expectEachRowPaidOnce(sim, 15);
    },
  );

  it("a foreign answer on every attempt ends the row ERROR (same key kept), never REJECTED; the re-run pays it once", async () => {
    const sim = await simulator({ ordersPerMinute: 100_000 });
    const cwd = workDir();
    writeFileSync(join(cwd, "one.csv"), "amount,currency,product_code,email\n10,USD,TGT-US,solo@example.com\n");
    const blocked = await faultProxy(sim.url, { after: () => HTML_408 });
    const first = await runCli(["run", "one.csv", "--base-url", blocked.url, ...FAST], { cwd });
    expect(first.code, first.stderr).toBe(3);
    const [row] = readResults(join(cwd, "output", "one.results.csv"));
    expect(row?.status).toBe("ERROR");
    expect(row?.error_type).toBe("http_408");
    expect(sim.state.countOrders()).toBe(1); // committed on the first attempt, replayed after

    const second = await runCli(["run", "one.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(second.code, second.stderr).toBe(0);
    const [after] = readResults(join(cwd, "output", "one.results.csv"));
    expect(after?.status).toBe("COMPLETED");
    expect(after?.idempotency_key).toBe(row?.idempotency_key);
    expectEachRowPaidOnce(sim, 1);
  });
});

describe("X-Api-Version", () => {
  it("warns once when Runa answers in another version than 2024-02-05, and not when it matches", async () => {
    const sim = await simulator({ ordersPerMinute: 100_000 });
    const cwd = workDir();
    const file = writeRewards(cwd, 3);
    const newer = await faultProxy(sim.url, { apiVersion: "2026-06-01" });
    const warned = await runCli(["run", file, "--base-url", newer.url, ...FAST], { cwd });
    expect(warned.code, warned.stderr).toBe(0);
    const warnings = warned.stderr.split("\n").filter((line) => line.includes("API version 2026-06-01"));
    expect(warnings).toEqual([
      "runa-batch: warning: Runa answered with API version 2026-06-01, not 2024-02-05 that this tool speaks; check that runa-batch is up to date",
    ]);
    const same = await runCli(["run", file, "--base-url", sim.url, "--batch-id", "again", ...FAST], { cwd });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).not.toMatch(/API version/);
  });
});

describe("422 validation_error details", () => {
  it("reach the results error_message, the journal and the log", async () => {
    const sim = await simulator({ ordersPerMinute: 100_000 });
    const details = [
      {
        type: "value_error",
        message: "value is not a valid email address",
        location: ["body", "items", "0", "distribution_method", "email_address"],
      },
      {
        type: "less_than_equal",
        message: "ensure this value has at most 128 characters",
        location: ["body", "description"],
      },
    ];
    const refusal: ForeignAnswer = {
      status: 422,
      contentType: "application/json",
      body: JSON.stringify({
        type: "validation_error",
        message: "There were one or more problems processing your request, see details key.",
        details,
      }),
    };
    // Runa's own 422, answered before any order exists
    const proxy = await faultProxy(sim.url, { before: () => refusal });
    const cwd = workDir();
    writeFileSync(join(cwd, "bad.csv"), "amount,currency,product_code,email\n10,USD,TGT-US,odd@example.com\n");
    const result = await runCli(["run", "bad.csv", "--base-url", proxy.url, ...FAST], { cwd });
    expect(result.code, result.stderr).toBe(3);
    const [row] = readResults(join(cwd, "output", "bad.results.csv"));
    expect(row?.status).toBe("REJECTED");
    expect(row?.error_type).toBe("validation_error");
    expect(row?.error_message).toBe(
      "There were one or more problems processing your request, see details key.: body.items.0.distribution_method.email_address: value is not a valid email address; body.description: ensure this value has at most 128 characters",
    );
    const journal = readFileSync(journalFile(cwd, "bad"), "utf8");
    expect(journal).toContain("body.description: ensure this value has at most 128 characters");
    const log = readFileSync(join(cwd, "output", "bad.log.jsonl"), "utf8");
    expect(log).toContain("body.items.0.distribution_method.email_address: value is not a valid email address");
    expect(sim.state.countOrders()).toBe(0);
  });
});

describe("account-wide refusals", () => {
  it("insufficient_funds stops sending at once; a top-up re-run sends exactly the waiting rows, each paid once", async () => {
    // TGT-US 10.00 costs 9.50: the balance pays for 3 of the 20 rows
    const sim = await simulator({ ordersPerMinute: 100_000, balances: { USD: "28.50" } });
    const cwd = workDir();
    const rows = Array.from({ length: 20 }, (_, i) => `10,USD,TGT-US,p${i}@example.com`);
    writeFileSync(join(cwd, "bonus.csv"), `amount,currency,product_code,email\n${rows.join("\n")}\n`);

    const first = await runCli(["run", "bonus.csv", "--base-url", sim.url, "--ignore-balance", ...FAST], { cwd });
    expect(first.code, first.stderr).toBe(4);
    expect(first.stderr).toMatch(/STOPPED: the account balance is too low \(Runa answered 400 insufficient_funds/);
    expect(first.stderr).toMatch(/Fix: top up the account balance, then re-run exactly: runa-batch run bonus\.csv/);
    const posts = sim.state.requests.filter((request) => request.method === "POST" && request.path === "/order");
    const firstRefusal = posts.findIndex((request) => request.responseStatus === 400);
    expect(firstRefusal).toBeGreaterThanOrEqual(3);
    // only the POSTs already in flight when the refusal came back may follow it
    expect(posts.length - firstRefusal - 1).toBeLessThanOrEqual(MAX_CONCURRENT_POSTS - 1);
    expect(sim.state.countOrders()).toBe(3);

    const firstResults = readResults(join(cwd, "output", "bonus.results.csv"));
    const count = (status: string) => firstResults.filter((row) => row.status === status).length;
    expect(count("COMPLETED")).toBe(3);
    expect(count("REJECTED")).toBe(posts.length - 3);
    expect(count("NOT_SENT")).toBe(20 - posts.length);
    expect(count("NOT_SENT")).toBeGreaterThanOrEqual(20 - 3 - MAX_CONCURRENT_POSTS);
    for (const row of firstResults.filter((candidate) => candidate.status === "REJECTED"))
      expect(row.error_type).toBe("insufficient_funds");
    expect(first.stdout).toMatch(
      new RegExp(
        `No order was sent after it; ${count("NOT_SENT")} row\\(s\\) wait unsent and ${count("REJECTED")} were refused \\(REJECTED\\)\\. Fix: top up`,
      ),
    );

    sim.state.topUp("USD", "1000.00");
    const postsBefore = posts.length;
    const second = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(second.code, second.stderr).toBe(0);
    const secondResults = readResults(join(cwd, "output", "bonus.results.csv"));
    expect(secondResults.map((row) => row.status)).toEqual(Array(20).fill("COMPLETED"));
    expectEachRowPaidOnce(sim, 20);
    // exactly the 17 waiting rows were sent, once each
    expect(sim.state.countOrderPosts() - postsBefore).toBe(17);
    for (const [index, row] of firstResults.entries()) {
      const key = secondResults[index]?.idempotency_key;
      if (row.status === "NOT_SENT") expect(key, `row ${row.row} keeps its key`).toBe(row.idempotency_key);
      if (row.status === "REJECTED") expect(key, `row ${row.row} gets a new key`).not.toBe(row.idempotency_key);
      if (row.status === "COMPLETED") expect(secondResults[index]?.order_id).toBe(row.order_id);
    }
  });
});
