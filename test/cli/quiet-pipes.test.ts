// A reader that stops early (`| head`) must not turn into a stack trace or a different exit code.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, FAST_ENV, fixture, stateRoot, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";

interface ClosedPipeRun {
  code: number | null;
  /** What the other stream carried in full. */
  other: string;
  /** How much of the closed stream was read before closing it. */
  readBeforeClose: number;
}

/** Runs the CLI and closes `stream` (as `head -1` would) as soon as its first chunk arrives. */
function runClosingAfterFirstChunk(args: string[], cwd: string, stream: "stdout" | "stderr"): Promise<ClosedPipeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, RUNA_STATE_DIR: stateRoot(cwd), ...FAST_ENV },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let other = "";
    let readBeforeClose = 0;
    child[stream === "stdout" ? "stderr" : "stdout"].on("data", (chunk: Buffer) => (other += chunk.toString()));
    child[stream].once("data", (chunk: Buffer) => {
      readBeforeClose = chunk.length;
      child[stream].destroy();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, other, readBeforeClose });
    });
  });
}

describe("a closed pipe (EPIPE)", () => {
  it("on stdout: validate of a big invalid file ends quietly with its own exit code, 2", async () => {
    const cwd = workDir();
    const lines = ["employee_id,amount,currency,product_code,email"];
    // ~5,000 report lines: far more than a pipe holds, so the CLI is still writing when the reader leaves.
    for (let i = 1; i <= 5_000; i += 1) lines.push(`E-${i},twelve,USD,AMZ-US,person.${i}@example.com`);
    const file = join(cwd, "big.csv");
    writeFileSync(file, `${lines.join("\n")}\n`);

    const result = await runClosingAfterFirstChunk(["validate", file, "--simulate"], cwd, "stdout");
    expect(result.readBeforeClose).toBeLessThan(100_000);
    expect(result.other).not.toContain("EPIPE");
    expect(result.other).not.toMatch(/at .*\.(js|ts):\d+/);
    expect(result.code).toBe(2);
  });

  it("on stderr: a run whose log reader left still orders every row and exits 0", async () => {
    const cwd = workDir();
    const result = await runClosingAfterFirstChunk(
      ["run", fixture("sample-rewards.csv"), "--simulate", "--rate", "6000"],
      cwd,
      "stderr",
    );
    expect(result.code).toBe(0);
    expect(result.other).toContain("15 COMPLETED of 15 row(s)");
    const results = readResults(join(cwd, "output", "sample-rewards.results.csv"));
    expect(results.map((row) => row.status)).toEqual(Array(15).fill("COMPLETED"));
  });
});
