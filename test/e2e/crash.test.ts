// kill -9 at any instant, then re-run until done: every row paid exactly once, none lost.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, workDir, type CliResult } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
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

async function finishBatch(sim: RunningSimulator, cwd: string, file: string): Promise<CliResult[]> {
  const reruns: CliResult[] = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const result = await runCli(["run", file, "--base-url", sim.url, ...ARGS], { cwd });
    reruns.push(result);
    if (result.code === 0) break;
  }
  return reruns;
}

function expectExactlyOnce(sim: RunningSimulator, cwd: string): void {
  const duplicated = [...sim.state.ordersByKey()].filter(([, orders]) => orders.length > 1);
  expect(duplicated).toEqual([]);
  expect(sim.state.countOrders()).toBe(ROWS);
  const results = readResults(join(cwd, "output", "rewards.results.csv"));
  expect(results.map((row) => row.status)).toEqual(Array(ROWS).fill("COMPLETED"));
  // every row holds its own order's link
  const links = new Set(sim.state.orders.flatMap((order) => order.items.map((item) => item.payoutUrl)));
  for (const row of results) expect(links.has(row.redemption_url!)).toBe(true);
  expect(new Set(results.map((row) => row.redemption_url)).size).toBe(ROWS);
}

/** Trials run concurrently, so each owns its simulator (the shared helper closes all after each test). */
async function withSimulator(options: SimulatorOptions, trial: (sim: RunningSimulator) => Promise<void>): Promise<void> {
  const sim = await startSimulator({ completionDelayMs: 20, ...options });
  try {
    await trial(sim);
  } finally {
    await sim.close();
  }
}

describe.concurrent("kill -9 at any point, then re-run", () => {
  it.each(NAMED_KILLS)("killed at %s", (point) => withSimulator({}, async (sim) => {
    const cwd = workDir();
    const file = writeRewards(cwd, ROWS);
    const crashed = await runCli(["run", file, "--base-url", sim.url, ...ARGS], { cwd, env: { RUNA_BATCH_CRASH_AT: point } });
    expect(crashed.signal, `${point}: ${crashed.stderr}`).toBe("SIGKILL");
    const reruns = await finishBatch(sim, cwd, file);
    expect(reruns.at(-1)!.code, reruns.at(-1)!.stderr).toBe(0);
    expectExactlyOnce(sim, cwd);
  }));

  it.each(TIMED_KILLS)("killed from outside once the simulator has seen %i POSTs", (posts) => withSimulator({ faults: { latencyMs: 3 } }, async (sim) => {
    const cwd = workDir();
    const file = writeRewards(cwd, ROWS);
    const crashed = await runCli(["run", file, "--base-url", sim.url, ...ARGS], {
      cwd,
      onSpawn: (child) => {
        const watch = setInterval(() => {
          if (sim.state.countOrderPosts() >= posts) {
            child.kill("SIGKILL");
            clearInterval(watch);
          }
        }, 1);
        child.on("exit", () => clearInterval(watch));
      },
    });
    expect(crashed.signal).toBe("SIGKILL");
    const reruns = await finishBatch(sim, cwd, file);
    expect(reruns.at(-1)!.code, reruns.at(-1)!.stderr).toBe(0);
    expectExactlyOnce(sim, cwd);
  }));
});
