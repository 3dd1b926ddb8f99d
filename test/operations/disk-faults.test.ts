// A disk that fills, turns read-only, refuses or has a directory in the way part-way through a run:
// sending stops at once, nothing unjournaled is ever sent, the results are written when they can
// be, the lock is released, and the exit code (5) and message say orders may have been placed.
// A re-run on a good disk then pays every row exactly once.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../../src/simulator/index.ts";
import { runCli, workDir, type CliResult } from "../helpers/cli.ts";
import { runAndKill } from "../helpers/kills.ts";
import { expectEveryRowPaidOnce } from "../helpers/payouts.ts";
import { readResults } from "../helpers/results.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";

const ROWS = 16;
const ARGS = ["--rate", "3000", "--poll-timeout", "30", "--progress-interval", "0"];

/** Every file under `directory` whose name ends with `suffix`. */
function find(directory: string, suffix: string): string[] {
  return (readdirSync(directory, { recursive: true }) as string[])
    .filter((name) => name.endsWith(suffix))
    .map((name) => join(directory, name));
}

/** Keys the journal recorded as about to be POSTed (a torn or garbled last line is skipped). */
function journaledPosts(cwd: string): Set<string> {
  const keys = new Set<string>();
  for (const path of find(cwd, ".journal.jsonl")) {
    for (const line of readFileSync(path, "utf8").split("\n")) {
      try {
        const record = JSON.parse(line) as { type?: string; key?: string };
        if (record.type === "post" && record.key) keys.add(record.key);
      } catch {
        // the half line a failed write may leave
      }
    }
  }
  return keys;
}

/** The run stopped cleanly on the fault: exit 5, a message about money, no stack, no lock left, nothing sent unjournaled. */
function expectCleanStop(result: CliResult, sim: RunningSimulator, cwd: string, code: string): void {
  expect(result.code, result.stderr).toBe(5);
  expect(result.stderr).toContain(code);
  expect(result.stderr).toMatch(/may (be|have been) placed/);
  expect(result.stderr).toMatch(/re-run/);
  expect(result.stderr).not.toMatch(/nothing was ordered/);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(find(cwd, ".lock"), "lock left behind").toEqual([]);
  const posted = new Set(
    sim.state.requests
      .filter((request) => request.method === "POST")
      .map((request) => String(request.headers["x-idempotency-key"])),
  );
  const journaled = journaledPosts(cwd);
  for (const key of posted) expect(journaled.has(key), `key ${key} was POSTed without a journal record`).toBe(true);
}

async function rerunUntilPaid(sim: RunningSimulator, cwd: string, file: string): Promise<void> {
  const rerun = await runCli(["run", file, "--base-url", sim.url, ...ARGS], { cwd, env: { HOME: cwd } });
  expect(rerun.code, rerun.stderr).toBe(0);
  expectEveryRowPaidOnce(sim, file, join(cwd, "output", "rewards.results.csv"));
}

describe("a disk fault part-way through a run (injected into the journal's writes)", () => {
  // The n-th journal write and all after it fail: early (before any POST: write 1 names the batch,
  // write 2 the run's input, write 3 plans the first order), among the first POSTs, late.
  const cases: [number, string][] = [
    [3, "ENOSPC"],
    [12, "EACCES"],
    [22, "EROFS"],
    [40, "EISDIR"],
    [55, "ENOSPC"],
  ];
  it.each(cases)(
    "fails at journal write %i with %s: stops cleanly, writes the results, and a re-run pays each row once",
    async (at, code) => {
      const sim = await simulator();
      const cwd = workDir();
      const file = writeRewards(cwd, ROWS);
      const result = await runCli(["run", file, "--base-url", sim.url, ...ARGS], {
        cwd,
        env: { HOME: cwd, RUNA_BATCH_WRITE_FAULT: `${at}:${code}` },
      });
      expectCleanStop(result, sim, cwd, code);
      expect(result.stderr).toMatch(/The results file .* shows every row as journaled/);
      const results = readResults(join(cwd, "output", "rewards.results.csv"));
      expect(results).toHaveLength(ROWS);
      const completed = results.filter((row) => row.status === "COMPLETED").length;
      expect(completed).toBeLessThanOrEqual(sim.state.countOrders());
      await rerunUntilPaid(sim, cwd, file);
    },
  );

  it("a fault, then a kill in the re-run, then a clean re-run: still each row once", async () => {
    const sim = await simulator({ faults: { latencyMs: 2 } });
    const cwd = workDir();
    const file = writeRewards(cwd, ROWS);
    const faulted = await runCli(["run", file, "--base-url", sim.url, ...ARGS], {
      cwd,
      env: { HOME: cwd, RUNA_BATCH_WRITE_FAULT: "30:ENOSPC" },
    });
    expectCleanStop(faulted, sim, cwd, "ENOSPC");
    const killed = await runAndKill(sim, cwd, ["run", file, "--base-url", sim.url, ...ARGS], { at: "after-post:2" });
    expect(killed.signal).toBe("SIGKILL");
    await rerunUntilPaid(sim, cwd, file);
  });
});

describe("a real directory in the way of the results file", () => {
  it("says the results could not be written and that a re-run is safe; the re-run writes them", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, ROWS);
    const resultsPath = join(cwd, "output", "rewards.results.csv");
    const result = await runCli(["run", file, "--base-url", sim.url, ...ARGS], {
      cwd,
      env: { HOME: cwd },
      onSpawn: (child) => {
        // once sending is under way, put a directory where the results file goes
        const watch = setInterval(() => {
          if (sim.state.countOrderPosts() >= 3) {
            clearInterval(watch);
            mkdirSync(resultsPath, { recursive: true });
          }
        }, 1);
        child.on("exit", () => clearInterval(watch));
      },
    });
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toMatch(/but the results file .* could not be written \((EISDIR|.* is not a plain file)/);
    expect(result.stderr).toMatch(/a re-run writes it without sending anything again/);
    expect(sim.state.countOrders()).toBe(ROWS); // every order was sent and settled before the results
    rmSync(resultsPath, { recursive: true });
    await rerunUntilPaid(sim, cwd, file);
    expect(sim.state.countOrders()).toBe(ROWS);
  });
});

it("checks POSTs against the journal's post records (the check above is not vacuous)", async () => {
  const sim = await simulator();
  const cwd = workDir();
  const file = writeRewards(cwd, 4);
  const result = await runCli(["run", file, "--base-url", sim.url, ...ARGS], { cwd, env: { HOME: cwd } });
  expect(result.code, result.stderr).toBe(0);
  const posted = sim.state.requests
    .filter((request) => request.method === "POST")
    .map((request) => String(request.headers["x-idempotency-key"]));
  expect(posted).toHaveLength(4);
  expect([...journaledPosts(cwd)].sort()).toEqual([...new Set(posted)].sort());
});

/** A small tmpfs of our own, when this machine lets us mount one (root in most containers and CI). */
function mountTmpfs(directory: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "none", directory], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const mounted: string[] = [];
afterAll(() => {
  for (const directory of mounted) execFileSync("umount", ["-l", directory], { stdio: "ignore" });
});
const probe = workDir();
const canMount = process.platform === "linux" && mountTmpfs(probe, "64k");
if (canMount) execFileSync("umount", [probe]);

// (Turning it read-only mid-run is not tried: a mount with files open for writing cannot be remounted ro.)
describe.skipIf(!canMount)("a real small disk (tmpfs) that fills up mid-run", () => {
  const faults = [
    {
      name: "fills up",
      code: "ENOSPC",
      strike: (disk: string) => {
        // take every byte left
        const chunk = Buffer.alloc(64 * 1024, 1);
        try {
          for (let i = 0; ; i += 1) writeFileSync(join(disk, `filler-${i}`), chunk);
        } catch {
          // full
        }
      },
      heal: (disk: string) => {
        for (const name of readdirSync(disk)) if (name.startsWith("filler-")) rmSync(join(disk, name));
      },
    },
  ];
  it.each(faults)(
    "$name after a few orders: clean stop (exit 5), then a re-run on the healed disk pays each row once",
    async ({ code, strike, heal }) => {
      const sim = await simulator({ faults: { latencyMs: 5 } });
      const cwd = workDir();
      expect(mountTmpfs(cwd, "2m")).toBe(true);
      mounted.push(cwd);
      const file = writeRewards(cwd, ROWS);
      let struck = false;
      // a slower rate, so the fault lands part-way
      const result = await runCli(
        ["run", file, "--base-url", sim.url, "--rate", "600", "--poll-timeout", "30", "--progress-interval", "0"],
        {
          cwd,
          env: { HOME: cwd },
          onSpawn: (child) => {
            const watch = setInterval(() => {
              if (!struck && sim.state.countOrderPosts() >= 4) {
                struck = true;
                clearInterval(watch);
                strike(cwd);
              }
            }, 1);
            child.on("exit", () => clearInterval(watch));
          },
        },
      );
      expect(struck).toBe(true);
      heal(cwd); // before the checks, so a failed check does not leave a broken disk behind
      expectCleanStop(result, sim, cwd, code);
      expect(sim.state.countOrders()).toBeLessThan(ROWS); // it did stop sending part-way
      await rerunUntilPaid(sim, cwd, file);
      expect(existsSync(join(cwd, "output", "rewards.results.csv"))).toBe(true);
    },
  );
});
