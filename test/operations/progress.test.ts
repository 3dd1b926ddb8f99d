// What the person running the CLI sees: a live display redrawn in place on a terminal, plain
// "progress:" lines and no escape codes at all under cron/CI, and NO_COLOR honoured.
import { describe, expect, it } from "vitest";
import { runCli, workDir } from "../helpers/cli.ts";
import { simulator } from "../helpers/simulator.ts";
import { HAS_SCRIPT, runInTerminal, writeRewards } from "./helpers.ts";

const ESCAPE = "\x1b[";
/** SGR colour codes such as ESC[32m (not cursor movement such as ESC[2K). */
// eslint-disable-next-line no-control-regex -- an ANSI colour code starts with ESC; matching it is the point
const COLOUR_CODE = /\x1b\[\d+(;\d+)*m/;

describe("progress", () => {
  it.skipIf(!HAS_SCRIPT)("draws a live display in a real terminal, redrawn in place, then the summary", async () => {
    const cwd = workDir();
    const file = writeRewards(cwd, "rewards", 30);
    const result = await runInTerminal(["run", file, "--simulate", "--rate", "1200", "--batch-id", "tty-1"], { cwd });
    expect(result.code).toBe(0);
    const screen = result.stdout;
    expect(screen).toContain("\x1b[2K"); // lines erased and redrawn in place
    expect(screen).toMatch(/runa-batch tty-1 \[[#-]{24}\] \d+\/30 rows/);
    expect(screen).toMatch(/completed \d+/);
    expect(screen).toMatch(/orders\/min/);
    expect(screen).toMatch(/(about \S+ left|finishing|time left unknown)/);
    expect(screen).toMatch(COLOUR_CODE);
    expect(screen).not.toContain('{"level"'); // no raw JSON on a terminal
    expect(screen).not.toContain("progress: batch"); // the plain lines are for cron only
    expect(screen).toContain("Batch tty-1: 30 COMPLETED of 30 row(s)");
  });

  it.skipIf(!HAS_SCRIPT)("uses no colour codes in a terminal when NO_COLOR is set", async () => {
    const cwd = workDir();
    const file = writeRewards(cwd, "rewards", 6);
    const result = await runInTerminal(["run", file, "--simulate", "--rate", "1200"], { cwd, env: { NO_COLOR: "1" } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("\x1b[2K");
    expect(result.stdout).not.toMatch(COLOUR_CODE);
  });

  it("prints plain progress lines and no escape code at all without a terminal", async () => {
    const sim = await simulator({ completionDelayMs: 50, ordersPerMinute: 10_000 });
    const cwd = workDir();
    const file = writeRewards(cwd, "rewards", 20);
    const result = await runCli(["run", file, "--base-url", sim.url, "--rate", "600", "--progress-interval", "0.3"], {
      cwd,
    });
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(ESCAPE);
    const lines = result.stderr.split("\n").filter((line) => line.startsWith("progress: "));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(
      /^progress: batch rewards: \d+\/20 rows done; sent \d+, completed \d+, failed 0, rejected 0, unknown 0, pending 0; [\d.]+ orders\/min; 0 retries \(0 rate limited\); elapsed \d+s; /,
    );
    // the JSON log is on stderr too, one object per line, each with the batch id
    const json = result.stderr.split("\n").filter((line) => line.startsWith("{"));
    expect(json.length).toBeGreaterThan(20);
    for (const line of json) expect(JSON.parse(line).batchId).toBe("rewards");
    expect(
      json
        .map((line) => JSON.parse(line))
        .filter((record) => record.msg === "order accepted")
        .every((record) => Array.isArray(record.rows)),
    ).toBe(true);
    expect(result.stdout).toContain("Batch rewards: 20 COMPLETED of 20 row(s)");
  });

  it("--quiet leaves stderr empty on success and still prints the summary", async () => {
    const sim = await simulator({ completionDelayMs: 20, ordersPerMinute: 10_000 });
    const result = await runCli([
      "run",
      writeRewards(workDir(), "quiet", 5),
      "--base-url",
      sim.url,
      "--rate",
      "3000",
      "--quiet",
      "--progress-interval",
      "0.1",
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("5 COMPLETED");
  });
});
