// `status` warns about keys past Runa's 30-day idempotency window (29 days with a day's margin):
// a re-run refuses them, and --force-after-expiry would make each a NEW order at Runa.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { simulator } from "../helpers/simulator.ts";
import { journalRecords, writeJournal } from "../helpers/journal.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];

/** Keeps only the plan and POST records (a run killed after sending), dated `at`. */
function unanswered(journalPath: string, at: string): void {
  const records = journalRecords(journalPath);
  const kept = records
    .filter((record) => ["batch", "order", "post"].includes(record.type))
    .map((record) => ({ ...record, at }));
  writeJournal(journalPath, kept);
}

describe("status and expired keys", () => {
  it("flags unanswered keys first sent over 29 days ago, names them, and says what --force-after-expiry would do", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(
      join(cwd, "old.csv"),
      "amount,currency,product_code,email\n10,USD,AMZ-US,kim@example.com\n12,USD,AMZ-US,lee@example.com\n",
    );
    expect((await runCli(["run", "old.csv", "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    const journalPath = journalFile(cwd, "old");
    const key = JSON.parse(
      readFileSync(journalPath, "utf8")
        .split("\n")
        .find((line) => line.includes('"type":"order"'))!,
    ).key;

    const recent = new Date(Date.now() - 28 * 24 * 60 * 60_000).toISOString();
    unanswered(journalPath, recent);
    const fresh = await runCli(["status", "old", "--base-url", sim.url], { cwd });
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/re-send 2 row\(s\) with the SAME key/);
    expect(fresh.stdout).not.toMatch(/29 days/);

    unanswered(journalPath, "2026-01-01T00:00:00.000Z");
    const old = await runCli(["status", "old", "--base-url", sim.url], { cwd });
    expect(old.code).toBe(1); // a re-run would refuse these keys, and a cron check must see that
    expect(old.stdout).toMatch(/! 2 order\(s\) \(2 row\(s\)\) were first sent over 29 days ago/);
    expect(old.stdout).toMatch(
      /--force-after-expiry would re-send them with the same key,\s+which Runa would then treat as a NEW order/,
    );
    expect(old.stdout).toContain(`key ${key}, first sent 2026-01-01T00:00:00.000Z, row(s) 2`);
    expect(sim.state.countOrders()).toBe(2); // status sent nothing
  });
});
