// A journal damaged in the middle (a garbled disk block, a bad copy, a hand edit) is refused by the
// CLI before any request, naming the line; a journal torn at its end by a kill is healed and resumed.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];
const ROWS =
  "amount,currency,product_code,email\n10,USD,AMZ-US,kim@example.com\n12,USD,AMZ-US,lee@example.com\n14,USD,AMZ-US,max@example.com\n";

describe("a damaged journal", () => {
  it("is refused by run and status with its line number, and nothing is sent", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(join(cwd, "pay.csv"), ROWS);
    expect((await runCli(["run", "pay.csv", "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    const journalPath = journalFile(cwd, "pay");
    const lines = readFileSync(journalPath, "utf8").split("\n");
    const settled = lines.findIndex((line) => line.includes('"type":"settled"'));
    lines[settled] = lines[settled]!.replace(/"status":"COMPLETED"/, '"status":"FAILED"'); // would re-order the row
    writeFileSync(journalPath, lines.join("\n"));
    const posts = sim.state.countOrderPosts();

    const run = await runCli(["run", "pay.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${journalPath} is damaged at line ${settled + 1}: its checksum does not match`);
    expect(run.stderr).toMatch(/Restore the file from a backup/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(existsSync(journalPath.replace(/\.journal\.jsonl$/, ".lock"))).toBe(false);
    const status = await runCli(["status", "pay", "--base-url", sim.url], { cwd });
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`is damaged at line ${settled + 1}`);
    expect(sim.state.countOrderPosts()).toBe(posts);
    expect(sim.state.countOrders()).toBe(3);
  });

  it("torn at its last line by a kill is healed, and the re-run completes every row once", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(join(cwd, "pay.csv"), ROWS);
    const killed = await runCli(["run", "pay.csv", "--base-url", sim.url, ...FAST], {
      cwd,
      env: { RUNA_BATCH_CRASH_AT: "accepted:2" },
    });
    expect(killed.signal).toBe("SIGKILL");
    const journalPath = journalFile(cwd, "pay");
    const text = readFileSync(journalPath, "utf8");
    writeFileSync(journalPath, text.slice(0, text.length - 25)); // the last record torn mid-write

    const rerun = await runCli(["run", "pay.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(readResults(join(cwd, "output", "pay.results.csv")).map((row) => row.status)).toEqual([
      "COMPLETED",
      "COMPLETED",
      "COMPLETED",
    ]);
    expect(sim.state.countOrders()).toBe(3);
  });
});
