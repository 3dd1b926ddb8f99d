// The unpleasant parts of a real API, all at once, alone and together with kill -9: nobody paid
// twice, nobody lost, every row holding the link of the item that pays it.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, SLOW_TEST_MS, workDir } from "../helpers/cli.ts";
import { finishBatch, runAndKill, type Kill } from "../helpers/kills.ts";
import { expectEveryRowPaidOnce } from "../helpers/payouts.ts";
import { readResults } from "../helpers/results.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";
import type { RunningSimulator } from "../../src/simulator/index.ts";

function expectOneOrderPerRow(sim: RunningSimulator, rows: number): void {
  const byKey = sim.state.ordersByKey();
  const duplicated = [...byKey].filter(([, orders]) => orders.length > 1);
  expect(duplicated, "keys with more than one order").toEqual([]);
  expect(sim.state.countOrders()).toBe(rows);
}

describe("faults", () => {
  it("survives 429 bursts, 5xx and connections dropped after the order was committed", async () => {
    const sim = await simulator({
      ordersPerMinute: 100_000,
      faults: {
        serverErrorRate: 0.15,
        timeoutRate: 0.1,
        dropAfterCommitRate: 0.15,
        rateLimitBurst: { every: 10, length: 2 },
      },
    });
    const cwd = workDir();
    const file = writeRewards(cwd, 40);
    const result = await runCli(["run", file, "--base-url", sim.url, "--rate", "6000", "--poll-timeout", "30"], {
      cwd,
    });
    expect(result.code, result.stderr).toBe(0);
    const results = readResults(join(cwd, "output", "rewards.results.csv"));
    expect(results.map((row) => row.status)).toEqual(Array(40).fill("COMPLETED"));
    expectOneOrderPerRow(sim, 40);
    expectEveryRowPaidOnce(sim, file, join(cwd, "output", "rewards.results.csv"));
    const statuses = sim.state.requests.map((request) => request.responseStatus);
    // the faults really happened
    expect(statuses).toContain(429);
    expect(statuses).toContain(500);
    expect(statuses).toContain(504);
    expect(statuses).toContain("dropped");
    expect(result.stdout).toMatch(/rate limited \(429\)/);
  });

  it("holds on a 200-row batch with drops, 5xx, 504s, 429 storms and idempotency_in_progress at once", async () => {
    const sim = await simulator({
      ordersPerMinute: 100_000,
      completionDelayMs: 30,
      faults: {
        serverErrorRate: 0.1,
        timeoutRate: 0.1,
        dropAfterCommitRate: 0.1,
        idempotencyInProgressRate: 0.1,
        latencyMs: 5,
        slowCompletionRate: 0.1,
        rateLimitBurst: { every: 25, length: 4 },
      },
    });
    const cwd = workDir();
    const file = writeRewards(cwd, 200);
    const result = await runCli(["run", file, "--base-url", sim.url, "--rate", "12000", "--poll-timeout", "60"], {
      cwd,
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr).toBe(0);
    const results = readResults(join(cwd, "output", "rewards.results.csv"));
    expect(results).toHaveLength(200);
    expect(results.filter((row) => row.status !== "COMPLETED")).toEqual([]);
    expect(new Set(results.map((row) => row.redemption_url)).size).toBe(200);
    expectOneOrderPerRow(sim, 200);
    expectEveryRowPaidOnce(sim, file, join(cwd, "output", "rewards.results.csv"));
    const statuses = new Set(sim.state.requests.map((request) => request.responseStatus));
    for (const expected of [429, 500, 504, 400, "dropped"] as const) expect(statuses).toContain(expected);
  }, 150_000);

  // 429 and "in progress" say Runa has not decided the order yet: they use none of its 8 attempts,
  // only a wait, and a run that meets nothing else ends after MAX_WAIT_ANSWERS of them. Waits are
  // scaled further down than the other tests' (429 waits grow from 5 s to 60 s).
  const SHORT_WAITS = { env: { RUNA_BATCH_TIME_SCALE: "0.002" } };
  it(
    "eleven 429s in a row for one order use none of its attempts: it completes, paid once",
    async () => {
      // Of every 12 POSTs only the first is admitted: one order goes through, the other meets 11 × 429.
      const sim = await simulator({ ordersPerMinute: 100_000, faults: { rateLimitBurst: { every: 12, length: 11 } } });
      const cwd = workDir();
      const file = writeRewards(cwd, 2);
      const result = await runCli(["run", file, "--base-url", sim.url, "--rate", "6000", "--items-per-order", "1"], {
        cwd,
        ...SHORT_WAITS,
      });
      expect(result.code, result.stderr).toBe(0);
      const results = readResults(join(cwd, "output", "rewards.results.csv"));
      expect(results.map((row) => row.status)).toEqual(["COMPLETED", "COMPLETED"]);
      expect(sim.state.requests.filter((request) => request.responseStatus === 429)).toHaveLength(11);
      expectOneOrderPerRow(sim, 2);
      expectEveryRowPaidOnce(sim, file, join(cwd, "output", "rewards.results.csv"));
    },
    SLOW_TEST_MS,
  );

  it(
    "an order that draws nothing but 429s ends ERROR after 20 of them, with nothing ordered",
    async () => {
      const sim = await simulator({ ordersPerMinute: 100_000, faults: { rateLimitBurst: { every: 1, length: 1 } } });
      const cwd = workDir();
      const file = writeRewards(cwd, 1);
      const result = await runCli(["run", file, "--base-url", sim.url, "--rate", "6000"], { cwd, ...SHORT_WAITS });
      expect(result.code, result.stderr).toBe(3);
      const [row] = readResults(join(cwd, "output", "rewards.results.csv"));
      expect(row?.status).toBe("ERROR");
      expect(row?.error_message).toMatch(/^gave up after 20 answers of 429 or "in progress": /);
      const posts = sim.state.requests.filter((request) => request.method === "POST");
      expect(posts.map((request) => request.responseStatus)).toEqual(Array(20).fill(429));
      expect(sim.state.countOrders()).toBe(0);
    },
    SLOW_TEST_MS,
  );

  // Faults and kills together: an order dropped after its commit, then the process killed before
  // it could re-send; re-runs that meet faults of their own and are killed too.
  const STORMS: { name: string; itemsPerOrder: number; rows: number; seed: number; kills: Kill[] }[] = [
    {
      name: "10 per order, killed from outside, then in the re-send, then once accepted",
      itemsPerOrder: 10,
      rows: 60,
      seed: 7,
      kills: [{ posts: 3 }, { at: "after-post:1" }, { at: "accepted:1" }],
    },
    {
      name: "1 per order, killed three times from outside",
      itemsPerOrder: 1,
      rows: 16,
      seed: 11,
      kills: [{ posts: 4 }, { posts: 3 }, { posts: 3 }],
    },
  ];
  it.each(STORMS)(
    "with kills: $name",
    async ({ itemsPerOrder, rows, seed, kills }) => {
      const sim = await simulator({
        ordersPerMinute: 100_000,
        seed,
        faults: {
          serverErrorRate: 0.15,
          timeoutRate: 0.15,
          dropAfterCommitRate: 0.3,
          idempotencyInProgressRate: 0.05,
          latencyMs: 3,
          rateLimitBurst: { every: 15, length: 2 },
        },
      });
      const cwd = workDir();
      const file = writeRewards(cwd, rows);
      const args = [
        "run",
        file,
        "--base-url",
        sim.url,
        "--rate",
        "6000",
        "--poll-timeout",
        "30",
        "--items-per-order",
        String(itemsPerOrder),
      ];
      let landed = 0;
      for (const kill of kills) {
        const result = await runAndKill(sim, cwd, args, kill);
        if (result.signal === "SIGKILL") landed += 1;
        else expect(result.code, result.stderr).toBe(0); // finished before the kill point
      }
      expect(landed, "kills that landed").toBeGreaterThanOrEqual(2);
      const reruns = await finishBatch(cwd, args);
      expect(reruns.at(-1)!.code, reruns.at(-1)!.stderr).toBe(0);
      expectEveryRowPaidOnce(sim, file, join(cwd, "output", "rewards.results.csv"));
      // the faults really happened (which ones depends on where the kills fell)
      const faults = sim.state.requests.filter((request) =>
        [500, 504, "dropped"].includes(request.responseStatus as never),
      );
      expect(faults.length, "faulted POSTs").toBeGreaterThan(0);
    },
    SLOW_TEST_MS,
  );
});
