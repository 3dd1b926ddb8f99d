// kill -9 at any instant, then re-run until done: every row paid exactly once, none lost, and
// every row's link the one of the item that pays that row. Kills land in first runs and in
// re-runs, several per trial, with one item per order and with ten.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, SLOW_TEST_MS, workDir } from "../helpers/cli.ts";
import { finishBatch, runAndKill, type Kill } from "../helpers/kills.ts";
import { expectEveryRowPaidOnce } from "../helpers/payouts.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { startSimulator, type RunningSimulator, type SimulatorOptions } from "../../src/simulator/index.ts";
import type { CrashPoint } from "../../src/journal/crash-points.ts";

const ROWS = 12;
const ARGS = ["--rate", "3000", "--poll-timeout", "30"];

/** Named instants inside the run, each at its 1st, 4th and 9th passing (where a 12-row run reaches it). */
const POINTS: CrashPoint[] = ["planned", "before-post", "after-post", "accepted", "after-poll", "settled"];
const NAMED_KILLS = [...POINTS.flatMap((point) => [1, 4, 9].map((n) => `${point}:${n}`)), "before-results:1"];
/** Kills from outside, when the simulator has seen k POSTs: the order may be committed with no answer back yet. */
const TIMED_KILLS = [1, 3, 6, 10];

function expectExactlyOnce(sim: RunningSimulator, cwd: string, file: string): void {
  expectEveryRowPaidOnce(sim, file, join(cwd, "output", "rewards.results.csv"));
}

/** Trials run concurrently, so each owns its simulator (the shared helper closes all after each test). */
async function withSimulator(
  options: SimulatorOptions,
  trial: (sim: RunningSimulator) => Promise<void>,
): Promise<void> {
  const sim = await startSimulator({ completionDelayMs: 20, ...options });
  try {
    await trial(sim);
  } finally {
    await sim.close();
  }
}

describe.concurrent("kill -9 at any point, then re-run", () => {
  it.each(NAMED_KILLS)("killed at %s", (point) =>
    withSimulator({}, async (sim) => {
      const cwd = workDir();
      const file = writeRewards(cwd, ROWS);
      const crashed = await runCli(["run", file, "--base-url", sim.url, ...ARGS], {
        cwd,
        env: { RUNA_BATCH_CRASH_AT: point },
      });
      expect(crashed.signal, `${point}: ${crashed.stderr}`).toBe("SIGKILL");
      const reruns = await finishBatch(cwd, ["run", file, "--base-url", sim.url, ...ARGS]);
      expect(reruns.at(-1)!.code, reruns.at(-1)!.stderr).toBe(0);
      expectExactlyOnce(sim, cwd, file);
    }),
  );

  it.each(TIMED_KILLS)("killed from outside once the simulator has seen %i POSTs", (posts) =>
    withSimulator({ faults: { latencyMs: 3 } }, async (sim) => {
      const cwd = workDir();
      const file = writeRewards(cwd, ROWS);
      const crashed = await runAndKill(sim, cwd, ["run", file, "--base-url", sim.url, ...ARGS], { posts });
      expect(crashed.signal).toBe("SIGKILL");
      const reruns = await finishBatch(cwd, ["run", file, "--base-url", sim.url, ...ARGS]);
      expect(reruns.at(-1)!.code, reruns.at(-1)!.stderr).toBe(0);
      expectExactlyOnce(sim, cwd, file);
    }),
  );
});

/**
 * Several kills in one trial, the later ones landing in re-runs (which re-send unanswered keys and
 * poll accepted orders), then re-runs to the end. Ten items per order in most: a kill then leaves
 * several rows' fate to one key, and every row must still get its own item's link.
 */
const SERIES: { name: string; itemsPerOrder: number; rows: number; kills: Kill[] }[] = [
  {
    name: "10 per order: unanswered POST, then its re-send, then a poll",
    itemsPerOrder: 10,
    rows: 30,
    kills: [{ at: "after-post:2" }, { at: "after-post:1" }, { at: "after-poll:1" }],
  },
  {
    name: "10 per order: accepted, then before a re-run's POST, then settled",
    itemsPerOrder: 10,
    rows: 30,
    kills: [{ at: "accepted:1" }, { at: "before-post:1" }, { at: "settled:1" }],
  },
  {
    name: "10 per order: from outside twice, then before the results",
    itemsPerOrder: 10,
    rows: 30,
    kills: [{ posts: 2 }, { posts: 1 }, { at: "before-results:1" }],
  },
  {
    name: "1 per order: four kills, two from outside",
    itemsPerOrder: 1,
    rows: 12,
    kills: [{ at: "after-post:3" }, { posts: 2 }, { at: "after-post:2" }, { at: "settled:2" }],
  },
];

describe.concurrent("several kills per trial, in first runs and re-runs", () => {
  it.each(SERIES)(
    "$name",
    ({ itemsPerOrder, rows, kills }) =>
      withSimulator({ faults: { latencyMs: 2 } }, async (sim) => {
        const cwd = workDir();
        const file = writeRewards(cwd, rows);
        const extra = ["--items-per-order", String(itemsPerOrder)];
        const landed: string[] = [];
        for (const kill of kills) {
          const result = await runAndKill(sim, cwd, ["run", file, "--base-url", sim.url, ...ARGS, ...extra], kill);
          if (result.signal === "SIGKILL") landed.push(JSON.stringify(kill));
          else expect(result.code, result.stderr).toBe(0); // finished before the kill point: nothing left to do
        }
        expect(landed[0], "the first kill lands").toBe(JSON.stringify(kills[0]));
        expect(landed.length, `kills that landed: ${landed.join(", ")}`).toBeGreaterThanOrEqual(2);
        const reruns = await finishBatch(cwd, ["run", file, "--base-url", sim.url, ...ARGS, ...extra]);
        expect(reruns.at(-1)!.code, reruns.at(-1)!.stderr).toBe(0);
        expectExactlyOnce(sim, cwd, file);
        if (itemsPerOrder > 1) expect(sim.state.orders.some((order) => order.items.length > 1)).toBe(true);
      }),
    SLOW_TEST_MS,
  );
});
