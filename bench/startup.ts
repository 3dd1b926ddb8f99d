// Start-up time of the compiled CLI: `npm run bench:startup` (builds, then tsx bench/startup.ts).
// Runs `node -e 0`, `runa-batch --help` and `runa-batch validate` of a 10-row file in turn, ROUNDS
// times (alternated, so a busy moment on the machine hits all three alike), and prints each one's
// median wall time and its ratio to bare node. validate talks to a local simulator started here,
// with the catalog cached by a first untimed run, as on a machine that validated within the hour.
// Each child also reports the CPU time it used (bench/report-usage.mjs, preloaded into all three
// alike): on a busy machine the wall-clock ratio stretches, the CPU ratio does not.
// Targets: --help <= 3x and validate <= 6x the time of `node -e 0`.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../src/simulator/index.ts";
import { plainRow, rows, writeRewards } from "../test/throughput/rewards-file.ts";

const CLI = fileURLToPath(new URL("../bin/runa-batch.js", import.meta.url));
const REPORT_USAGE = fileURLToPath(new URL("./report-usage.mjs", import.meta.url));
const ROUNDS = 15;
const TARGETS = { help: 3, validate: 6 };

const sim = await startSimulator({});
const cwd = mkdtempSync(join(tmpdir(), "runa-batch-bench-startup-"));
try {
  const file = writeRewards(cwd, "ten", rows(10, plainRow));
  const commands = {
    node: ["-e", "0"],
    help: [CLI, "--help"],
    validate: [CLI, "validate", file, "--base-url", sim.url],
  };
  const usageFile = join(cwd, "usage.json");
  const benchEnv = {
    RUNA_STATE_DIR: join(cwd, "state"),
    RUNA_API_KEY: "bench-key-not-secret",
    BENCH_USAGE_FILE: usageFile,
  };
  // Node's own start depends on the environment: NODE_EXTRA_CA_CERTS (set on these machines) makes
  // every node, bare or not, load a certificate bundle first. Both are shown: a clean environment
  // (PATH and HOME only), and the one the bench was started from, as a user's shell would give.
  const environments: [string, NodeJS.ProcessEnv][] = [
    ["a clean environment (PATH, HOME)", { PATH: process.env.PATH, HOME: process.env.HOME, ...benchEnv }],
    [
      `the calling shell's environment${process.env.NODE_EXTRA_CA_CERTS ? " (with NODE_EXTRA_CA_CERTS)" : ""}${process.env.NODE_OPTIONS ? " (with NODE_OPTIONS)" : ""}`,
      { ...process.env, ...benchEnv },
    ],
  ];
  let met = true;
  for (const [label, env] of environments) {
    console.log(`\nIn ${label}:`);
    if (!(await measure(env))) met = false;
  }
  console.log(`targets ${met ? "met" : "MISSED"}`);
  process.exitCode = met ? 0 : 1;

  /** Times the three commands alternated in `env`, prints the table; whether both targets are met. */
  async function measure(env: NodeJS.ProcessEnv): Promise<boolean> {
    const startLoad = loadavg()[0]!.toFixed(1);
    // Asynchronous, so the simulator in this process can answer while the child waits on it.
    const time = (args: string[]): Promise<{ wallMs: number; cpuMs: number }> =>
      new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const child = spawn(process.execPath, ["--import", REPORT_USAGE, ...args], {
          cwd,
          env,
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (code) => {
          const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
          if (code === 0)
            resolve({ wallMs, cpuMs: (JSON.parse(readFileSync(usageFile, "utf8")) as { cpuMs: number }).cpuMs });
          else reject(new Error(`node ${args.join(" ")} exited ${code}: ${stderr}`));
        });
      });
    // Untimed, once each: fills the catalog cache and the OS file cache.
    for (const args of Object.values(commands)) await time(args);
    const times: Record<keyof typeof commands, { wallMs: number; cpuMs: number }[]> = {
      node: [],
      help: [],
      validate: [],
    };
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const name of Object.keys(commands) as (keyof typeof commands)[])
        times[name].push(await time(commands[name]));
    }
    const median = (values: number[]): number => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)]!;
    };
    const wall = (name: keyof typeof commands) => median(times[name].map((each) => each.wallMs));
    const cpu = (name: keyof typeof commands) => median(times[name].map((each) => each.cpuMs));
    console.log(`command                          wall ms  x node -e 0   CPU ms  x node -e 0  target (wall)`);
    console.log(
      `node -e 0                        ${wall("node").toFixed(0).padStart(7)}  ${"1.00".padStart(11)}  ${cpu("node").toFixed(0).padStart(7)}  ${"1.00".padStart(11)}`,
    );
    let met = true;
    for (const [name, label] of [
      ["help", "runa-batch --help"],
      ["validate", "runa-batch validate (10 rows)"],
    ] as const) {
      const ratio = wall(name) / wall("node");
      if (ratio > TARGETS[name]) met = false;
      console.log(
        `${label.padEnd(32)} ${wall(name).toFixed(0).padStart(7)}  ${ratio.toFixed(2).padStart(11)}  ${cpu(name).toFixed(0).padStart(7)}  ${(cpu(name) / cpu("node")).toFixed(2).padStart(11)}  <= ${TARGETS[name]}`,
      );
    }
    console.log(
      `${ROUNDS} rounds, commands alternated; load average ${startLoad} at the start, ${loadavg()[0]!.toFixed(1)} at the end; targets ${met ? "met" : "MISSED"}`,
    );
    return met;
  }
} finally {
  await sim.close();
  rmSync(cwd, { recursive: true, force: true });
}
