// Kill a run with SIGKILL at a chosen moment, and re-run a batch until it finishes.
import type { RunningSimulator } from "../../src/simulator/index.ts";
import { runCli, type CliResult } from "./cli.ts";

/** A kill at a named crash point (`point:n`), or from outside once the simulator has seen `posts` more POSTs in this run. */
export type Kill = { at: string } | { posts: number };

/** Runs `args` and kills the run as `kill` says; a run that finishes first (nothing left to reach) is returned as is. */
export function runAndKill(sim: RunningSimulator, cwd: string, args: string[], kill: Kill): Promise<CliResult> {
  if ("at" in kill) return runCli(args, { cwd, env: { RUNA_BATCH_CRASH_AT: kill.at } });
  const target = sim.state.countOrderPosts() + kill.posts;
  return runCli(args, {
    cwd,
    onSpawn: (child) => {
      const watch = setInterval(() => {
        if (sim.state.countOrderPosts() >= target) {
          child.kill("SIGKILL");
          clearInterval(watch);
        }
      }, 1);
      child.on("exit", () => clearInterval(watch));
    },
  });
}

/** Re-runs until a run exits 0 (at most three times); every run's result, the last one last. */
export async function finishBatch(cwd: string, args: string[]): Promise<CliResult[]> {
  const reruns: CliResult[] = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const result = await runCli(args, { cwd });
    reruns.push(result);
    if (result.code === 0) break;
  }
  return reruns;
}
