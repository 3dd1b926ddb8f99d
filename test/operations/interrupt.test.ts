// Ctrl-C mid-batch: no new orders, the results and journal are written, exit 130 promptly, and a
// re-run finishes the file with exactly one order per row.
import type { ChildProcess } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { journalFile, runCli, SLOW_TEST_MS, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";
import { writeRewards } from "./helpers.ts";

const ROWS = 40;

/** Sends `signal` (SIGINT by default) `times` times (20 ms apart) once `ready()` holds; `at()` is when the first was sent. */
function interruptAfter(
  ready: () => boolean,
  times: number,
  signal: NodeJS.Signals = "SIGINT",
): { onSpawn: (child: ChildProcess) => void; at: () => number } {
  let at = 0;
  return {
    at: () => at,
    onSpawn: (child) => {
      const watch = setInterval(() => {
        if (!ready()) return;
        clearInterval(watch);
        at = Date.now();
        for (let i = 0; i < times; i += 1) setTimeout(() => child.kill(signal), i * 20);
      }, 10);
      child.on("exit", () => clearInterval(watch));
    },
  };
}

describe("interrupting a run", () => {
  it(
    "stops on SIGINT with exit 130, a consistent journal, and a re-run that completes every row once",
    async () => {
      const sim = await simulator({ completionDelayMs: 50, ordersPerMinute: 10_000 });
      const cwd = workDir();
      const file = writeRewards(cwd, "rewards-2026-11", ROWS);
      // 300/minute: the 35 rows after the 5th take 7 s, ample for the SIGINT to land mid-batch on a busy machine.
      const args = ["run", file, "--base-url", sim.url, "--rate", "300", "--batch-id", "rewards-2026-11"];

      const signal = interruptAfter(() => sim.state.countOrders() >= 5, 1);
      const first = await runCli(args, { cwd, onSpawn: signal.onSpawn });
      const exitMs = Date.now() - signal.at();
      expect(signal.at()).toBeGreaterThan(0);
      expect(first.code).toBe(130);
      // Orderly, not waiting out polls (600 s by default); generous so a loaded machine does not fail it.
      expect(exitMs).toBeLessThan(30_000);
      expect(first.stderr).toContain("SIGINT: no new orders will be sent");
      expect(first.stdout).toContain("Batch rewards-2026-11 (INTERRUPTED)");
      expect(first.stdout).toMatch(
        /Resume with exactly: runa-batch run \S+rewards-2026-11\.csv --batch-id rewards-2026-11 --base-url \S+ --rate 300/,
      );
      const ordersAtStop = sim.state.countOrders();
      expect(ordersAtStop).toBeLessThan(ROWS);

      const journal = readFileSync(journalFile(cwd, "rewards-2026-11"), "utf8").trim().split("\n");
      for (const line of journal) expect(() => JSON.parse(line)).not.toThrow();
      const results = readResults(join(cwd, "output", "rewards-2026-11.results.csv"));
      expect(results).toHaveLength(ROWS);
      expect(results.some((row) => row.status === "NOT_SENT")).toBe(true);
      expect(existsSync(journalFile(cwd, "rewards-2026-11").replace(/\.journal\.jsonl$/, ".lock"))).toBe(false);

      const second = await runCli(args, { cwd });
      expect(second.code).toBe(0);
      expect(sim.state.countOrders()).toBe(ROWS);
      for (const [key, orders] of sim.state.ordersByKey()) expect(orders, key).toHaveLength(1);
      expect(
        readResults(join(cwd, "output", "rewards-2026-11.results.csv")).every((row) => row.status === "COMPLETED"),
      ).toBe(true);
    },
    SLOW_TEST_MS,
  );

  it(
    "exits at once with 130 on a second SIGINT, and the re-run still orders each row exactly once",
    async () => {
      // Once the run is sending, every POST /order takes 5 s to answer, so the first SIGINT's orderly
      // stop is still waiting for one when the second arrives. The second is sent as soon as the first is
      // acknowledged (not after a fixed delay a busy machine could outlast), and a POST still unanswered
      // when the process is gone proves it did not wait.
      const faults = { latencyMs: 0 };
      const sim = await simulator({ completionDelayMs: 50, ordersPerMinute: 10_000, faults });
      const posts = () =>
        sim.state.requests.filter((request) => request.method === "POST" && request.path === "/order");
      const cwd = workDir();
      const file = writeRewards(cwd, "twice", 12);
      const args = ["run", file, "--base-url", sim.url, "--rate", "300"];
      let slowFrom = -1;
      let second = false;
      let unansweredAtExit = -1;
      const first = await runCli(args, {
        cwd,
        onSpawn: (child) => {
          let stderr = "";
          let interrupted = false;
          child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
          const watch = setInterval(() => {
            if (slowFrom < 0 && posts().some((post) => post.responseStatus !== undefined)) {
              faults.latencyMs = 5_000;
              slowFrom = posts().length;
            }
            if (slowFrom >= 0 && !interrupted && posts().length > slowFrom) {
              interrupted = true;
              child.kill("SIGINT");
            }
            if (interrupted && !second && stderr.includes("SIGINT: no new orders will be sent")) {
              second = true;
              child.kill("SIGINT");
            }
          }, 10);
          child.on("exit", () => {
            clearInterval(watch);
            unansweredAtExit = posts().filter((post) => post.responseStatus === undefined).length;
          });
        },
      });
      expect(second).toBe(true);
      expect(first.code).toBe(130);
      expect(first.stderr).toMatch(
        /SIGINT again: exiting now; the journal keeps every sent order safe\. Resume with: runa-batch run /,
      );
      expect(unansweredAtExit).toBeGreaterThan(0);

      // The simulator answers the abandoned POSTs (committing their orders); then the re-run, at full speed.
      while (posts().some((post) => post.responseStatus === undefined))
        await new Promise((resolve) => setTimeout(resolve, 50));
      faults.latencyMs = 0;
      const rerun = await runCli(args, { cwd });
      expect(rerun.code).toBe(0);
      expect(sim.state.countOrders()).toBe(12);
      for (const [key, orders] of sim.state.ordersByKey()) expect(orders, key).toHaveLength(1);
    },
    SLOW_TEST_MS,
  );

  it("labels rows accepted but unfinished at a SIGTERM as interrupted, not as timed out", async () => {
    // Orders stay PROCESSING for a minute: every accepted row is still unfinished when the run stops.
    const sim = await simulator({ completionDelayMs: 60_000, ordersPerMinute: 10_000 });
    const cwd = workDir();
    const file = writeRewards(cwd, "term", 6);
    const signal = interruptAfter(() => sim.state.countOrders() >= 2, 1, "SIGTERM");
    const first = await runCli(["run", file, "--base-url", sim.url, "--rate", "300"], { cwd, onSpawn: signal.onSpawn });
    expect(first.code).toBe(130);
    const pending = readResults(join(cwd, "output", "term.results.csv")).filter((row) => row.status === "PENDING");
    expect(pending.length).toBeGreaterThanOrEqual(2);
    for (const row of pending) {
      expect(row.error_type).toBe("interrupted");
      expect(row.error_message).toContain("the run was interrupted before Runa finished it");
    }
    expect(`${first.stdout}${first.stderr}`).not.toContain("poll timeout");
  });
});
