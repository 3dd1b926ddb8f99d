// Large batches: `npm run bench:scale` (builds, then tsx bench/scale.ts), or with sizes of your
// own: `npm run bench:scale -- 2000000`. For 10,000, 100,000 and 1,000,000 single-item rows it runs
// the real CLI against an in-process simulator with no rate limit, at --items-per-order 200: the
// first run, a completed re-run, `status <csv>` and `status <batch-id>`, each in a fresh child
// process. Prints wall time, peak RSS, POSTs, the journal's size, and checks each step's answer
// (every row COMPLETED in the results, 0 POSTs on the re-run, status counting every row done).
// 1,000,000 rows take several minutes and about 1 GB of disk in the temp folder.
// Targets: re-run <= 0.5x the first run with 0 POSTs; peak RSS <= 400 MB for the 1M run and re-run;
// status <batch-id> <= 3 s and status <csv> <= the first run's planning time at 1M.
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { environmentName } from "../src/journal/state-directory.ts";
import { startSimulator, type RunningSimulator } from "../src/simulator/index.ts";
import { HEADER, plainRow, rewardLine } from "../test/throughput/rewards-file.ts";

const CLI = fileURLToPath(new URL("../bin/runa-batch.js", import.meta.url));
const REPORT_USAGE = fileURLToPath(new URL("./report-usage.mjs", import.meta.url));
const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10_000, 100_000, 1_000_000];
const ITEMS_PER_ORDER = 200;
/** High enough that the client's spacing (1 ms) never paces the run: the cost measured is ours. */
const UNLIMITED_RATE = 100_000;
const TARGETS = { rerunShare: 0.5, rssMb: 400, statusByIdS: 3 };

interface Measured {
  exitCode: number | null;
  seconds: number;
  /** CPU time of the CLI process (user + system): what a step costs, however busy the machine. */
  cpuSeconds: number;
  peakMb: number;
  stdout: string;
  startedAt: number;
}

/** One CLI command in a child process: wall time, and peak RSS as the child itself reports it. */
function measure(args: string[], cwd: string): Promise<Measured> {
  const usageFile = join(cwd, "usage.json");
  return new Promise((resolve, reject) => {
    const startedAt = Date.now();
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ["--import", REPORT_USAGE, CLI, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        RUNA_STATE_DIR: join(cwd, "state"),
        RUNA_API_KEY: "bench-key-not-secret",
        BENCH_USAGE_FILE: usageFile,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    child.on("error", reject);
    child.on("close", (exitCode) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (exitCode !== 0) process.stderr.write(`runa-batch ${args.join(" ")} exited ${exitCode}\n${stderr}\n`);
      const usage = existsSync(usageFile)
        ? (JSON.parse(readFileSync(usageFile, "utf8")) as { maxRssKb: number; cpuMs: number })
        : { maxRssKb: Number.NaN, cpuMs: Number.NaN };
      resolve({ exitCode, seconds, cpuSeconds: usage.cpuMs / 1000, peakMb: usage.maxRssKb / 1024, stdout, startedAt });
    });
  });
}

async function writeFile(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write(`${HEADER}\n`);
  for (let index = 0; index < rows; index += 1) {
    if (!out.write(`${rewardLine(plainRow(index))}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

async function countLines(file: string, pattern: RegExp): Promise<number> {
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(file) })) if (pattern.test(line)) count += 1;
  return count;
}

/** Seconds from the first run's start to its "run planned" log line: reading, validating and planning. */
async function planningSeconds(logFile: string, startedAt: number): Promise<number> {
  for await (const line of createInterface({ input: createReadStream(logFile) })) {
    if (!line.includes('"run planned"')) continue;
    const { time } = JSON.parse(line) as { time: number | string }; // ISO 8601 in the log, epoch ms in older ones
    return ((typeof time === "number" ? time : Date.parse(time)) - startedAt) / 1000;
  }
  return Number.NaN;
}

const orderPosts = (sim: RunningSimulator): number => sim.state.countOrderPosts();

interface SizeResult {
  rows: number;
  first: Measured;
  planningS: number;
  firstPosts: number;
  rerun: Measured;
  rerunPosts: number;
  statusCsv: Measured;
  statusId: Measured;
  journalMb: number;
  problems: string[];
}

async function runSize(rows: number): Promise<SizeResult> {
  const sim = await startSimulator({ ordersPerMinute: Number.POSITIVE_INFINITY, balances: { USD: "1000000000.00" } });
  const cwd = mkdtempSync(join(tmpdir(), "runa-batch-bench-scale-"));
  try {
    const name = `scale-${rows}`;
    const file = join(cwd, `${name}.csv`);
    await writeFile(file, rows);
    const connection = ["--base-url", sim.url];
    const runArgs = [
      "run",
      file,
      ...connection,
      "--rate",
      String(UNLIMITED_RATE),
      "--items-per-order",
      String(ITEMS_PER_ORDER),
      "--progress-interval",
      "0",
    ];
    const problems: string[] = [];

    const first = await measure(runArgs, cwd);
    const firstPosts = orderPosts(sim);
    const results = join(cwd, "output", `${name}.results.csv`);
    const completed = await countLines(results, /,COMPLETED,/);
    if (first.exitCode !== 0 || completed !== rows)
      problems.push(`first run: exit ${first.exitCode}, ${completed} of ${rows} rows COMPLETED`);

    const rerun = await measure(runArgs, cwd);
    const rerunPosts = orderPosts(sim) - firstPosts;
    const completedAgain = await countLines(results, /,COMPLETED,/);
    if (rerun.exitCode !== 0 || rerunPosts !== 0 || completedAgain !== rows)
      problems.push(`re-run: exit ${rerun.exitCode}, ${rerunPosts} POSTs, ${completedAgain} of ${rows} rows COMPLETED`);

    const statusCsv = await measure(["status", file, ...connection], cwd);
    if (statusCsv.exitCode !== 0 || !statusCsv.stdout.includes(`skip ${rows} COMPLETED`))
      problems.push(`status <csv>: exit ${statusCsv.exitCode}: ${statusCsv.stdout}`);
    const statusId = await measure(["status", name, ...connection], cwd);
    if (statusId.exitCode !== 0 || !statusId.stdout.includes(`skip ${rows} COMPLETED`))
      problems.push(`status <batch-id>: exit ${statusId.exitCode}: ${statusId.stdout}`);

    const journalMb =
      statSync(join(cwd, "state", environmentName(sim.url), `${name}.journal.jsonl`)).size / 1024 / 1024;
    const planningS = await planningSeconds(join(cwd, "output", `${name}.log.jsonl`), first.startedAt);
    return { rows, first, planningS, firstPosts, rerun, rerunPosts, statusCsv, statusId, journalMb, problems };
  } finally {
    await sim.close();
    rmSync(cwd, { recursive: true, force: true });
  }
}

const cell = (value: number, digits = 1, width = 7): string => value.toFixed(digits).padStart(width);
const header =
  "     rows | first run: s  cpu s    MB POSTs planned s | re-run: s  cpu s    MB POSTs  share | status csv: s  cpu s    MB | status id: s    MB | journal MB";
console.log(
  `--items-per-order ${ITEMS_PER_ORDER}, single-item rows, simulator with no rate limit (in this process); times are wall clock, ` +
    `cpu s the CLI's own CPU time, MB peak RSS; load average at start ${loadavg()
      .map((load) => load.toFixed(1))
      .join(" ")} on ${cpus().length} cores`,
);
console.log(header);
const results: SizeResult[] = [];
let met = true;
for (const rows of SIZES) {
  const result = await runSize(rows);
  results.push(result);
  const share = result.rerun.seconds / result.first.seconds;
  console.log(
    `${String(rows).padStart(9)} | ${cell(result.first.seconds, 1, 12)} ${cell(result.first.cpuSeconds, 1, 6)} ${cell(result.first.peakMb, 0, 5)} ${String(result.firstPosts).padStart(5)} ${cell(result.planningS, 1, 9)} | ` +
      `${cell(result.rerun.seconds, 1, 9)} ${cell(result.rerun.cpuSeconds, 1, 6)} ${cell(result.rerun.peakMb, 0, 5)} ${String(result.rerunPosts).padStart(5)} ${cell(share, 2, 6)} | ` +
      `${cell(result.statusCsv.seconds, 1, 13)} ${cell(result.statusCsv.cpuSeconds, 1, 6)} ${cell(result.statusCsv.peakMb, 0, 5)} | ${cell(result.statusId.seconds, 1, 12)} ${cell(result.statusId.peakMb, 0, 5)} | ${cell(result.journalMb, 1, 10)}`,
  );
  for (const problem of result.problems) console.log(`  WRONG: ${problem}`);
  if (result.problems.length > 0 || share > TARGETS.rerunShare) met = false;
  // The issue sets these at 1M; a 2M run is there to show it works and grows linearly.
  if (rows === 1_000_000) {
    if (result.first.peakMb > TARGETS.rssMb || result.rerun.peakMb > TARGETS.rssMb) met = false;
    if (result.statusId.seconds > TARGETS.statusByIdS || result.statusCsv.seconds > result.planningS) met = false;
  }
}
const at = (rows: number) => results.find((result) => result.rows === rows);
const ratio = (a: number, b: number) => (a / b).toFixed(1);
for (const [large, small] of [
  [at(1_000_000), at(100_000)],
  [at(2_000_000), at(1_000_000)],
] as const) {
  if (!large || !small) continue;
  const times = large.rows / small.rows;
  console.log(
    `${large.rows / 1e6}M / ${small.rows >= 1e6 ? `${small.rows / 1e6}M` : `${small.rows / 1e3}k`}: ` +
      `first run time ${ratio(large.first.seconds, small.first.seconds)}x (cpu ${ratio(large.first.cpuSeconds, small.first.cpuSeconds)}x), RSS ${ratio(large.first.peakMb, small.first.peakMb)}x; ` +
      `re-run time ${ratio(large.rerun.seconds, small.rerun.seconds)}x (cpu ${ratio(large.rerun.cpuSeconds, small.rerun.cpuSeconds)}x), RSS ${ratio(large.rerun.peakMb, small.rerun.peakMb)}x ` +
      `(linear: ${times}x time)`,
  );
}
console.log(
  `targets: re-run <= ${TARGETS.rerunShare}x the first run with 0 POSTs; at 1M peak RSS <= ${TARGETS.rssMb} MB, status <batch-id> <= ${TARGETS.statusByIdS} s, ` +
    `status <csv> <= planning time: ${met ? "met" : "MISSED"}`,
);
process.exitCode = met ? 0 : 1;
