// Shared by the throughput and rate benchmarks: the real CLI as a child process, at real time (no
// time scale), against an in-process simulator whose recorded request times are the measurement.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator, type SimulatorOptions } from "../src/simulator/index.ts";
import { writeRewards, type RewardRow } from "../test/throughput/rewards-file.ts";

const CLI = fileURLToPath(new URL("../bin/runa-batch.js", import.meta.url));

export interface BenchRun {
  exitCode: number | null;
  rows: number;
  orders: number;
  posts: number;
  polls: number;
  rateLimited: number;
  firstPostAt: number;
  lastPostAt: number;
  /** The last GET /order/{id}: when the CLI learned the last order's outcome (0 when it polled none). */
  lastPollAt: number;
  /** When the results file was last written (its mtime). */
  resultsWrittenAt: number;
}

export async function runAgainstSimulator(options: {
  name: string;
  rows: readonly RewardRow[];
  itemsPerOrder: number;
  rate: number;
  simulator: SimulatorOptions;
}): Promise<BenchRun> {
  const sim = await startSimulator(options.simulator);
  const cwd = mkdtempSync(join(tmpdir(), "runa-batch-bench-"));
  try {
    const file = writeRewards(cwd, options.name, options.rows);
    const args = [
      CLI,
      "run",
      file,
      "--base-url",
      sim.url,
      "--rate",
      String(options.rate),
      "--items-per-order",
      String(options.itemsPerOrder),
      "--poll-timeout",
      "600",
    ];
    let stderr = "";
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          RUNA_STATE_DIR: join(cwd, "state"),
          RUNA_API_KEY: "bench-key-not-secret",
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (exitCode !== 0) process.stderr.write(`${options.name}: the CLI exited ${exitCode}\n${stderr}\n`);
    const posts = sim.state.requests.filter((request) => request.method === "POST" && request.path === "/order");
    const times = posts.map((request) => request.receivedAt);
    const polls = sim.state.requests.filter(
      (request) => request.method === "GET" && request.path.startsWith("/order/"),
    );
    return {
      exitCode,
      rows: options.rows.length,
      orders: sim.state.countOrders(),
      posts: posts.length,
      polls: polls.length,
      rateLimited: sim.state.countRateLimited(),
      firstPostAt: Math.min(...times),
      lastPostAt: Math.max(...times),
      lastPollAt: polls.reduce((last, request) => Math.max(last, request.receivedAt), 0),
      resultsWrittenAt: statSync(join(cwd, "output", `${options.name}.results.csv`)).mtimeMs,
    };
  } finally {
    await sim.close();
    rmSync(cwd, { recursive: true, force: true });
  }
}
