// A planted API key must not surface anywhere (stdout, stderr, or any file the tool writes)
// whatever goes wrong: a broken config file, the key passed where a key file's path belongs, a
// wrong key, API faults, a kill, debug mode.
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, workDir, type CliResult } from "../helpers/cli.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";

const KEY = "sk_live_CF7b2e9d41PLANTED0a6c";
const FAST = ["--rate", "3000", "--poll-timeout", "30"];

/** Every file under `directory`, recursively, by path. */
function filesUnder(directory: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(directory, { recursive: true }) as string[]) {
    const path = join(directory, name);
    if (statSync(path).isFile()) files.set(path, readFileSync(path, "latin1"));
  }
  return files;
}

/** Any 10 characters of the key in a row: a message that quotes the key cut short still leaks it. */
const KEY_PIECES = Array.from({ length: KEY.length - 9 }, (_, at) => KEY.slice(at, at + 10));

function expectNoKey(result: CliResult, cwd: string): void {
  const outputs = new Map([["stdout", result.stdout], ["stderr", result.stderr], ...filesUnder(cwd)]);
  for (const [where, text] of outputs) for (const piece of KEY_PIECES) expect(text, where).not.toContain(piece);
}

/** A run in a fresh directory (HOME too, so any state kept under HOME is searched as well). */
async function runIn(
  args: (cwd: string, input: string) => string[],
  env: Record<string, string> = {},
): Promise<{ result: CliResult; cwd: string }> {
  const cwd = workDir();
  const input = writeRewards(cwd, 6);
  const result = await runCli(args(cwd, input), {
    cwd,
    env: { RUNA_API_KEY: undefined, HOME: cwd, ...env },
    timeoutMs: 60_000,
  });
  return { result, cwd };
}

/** A config file outside the searched directory, owner-only as a key-holding file must be. */
function configFile(text: string): string {
  const path = join(workDir(), "runa-batch.json");
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

describe("the API key never surfaces", () => {
  const brokenConfigs = [
    ["an unquoted key", `{"api-key": ${KEY}, "rate": 60}`],
    ["a key cut short", `{"api-key": "${KEY}`],
    ["a key where a number belongs", `{"rate": "${KEY}"}`],
    ["a key as a setting's name", `{"${KEY}": 1}`],
    ["a key under api-key-file", `{"api-key-file": "${KEY}"}`],
  ];
  it.each(brokenConfigs)("in the error about a config file with %s", async (_, text) => {
    const config = configFile(text);
    const { result, cwd } = await runIn((_, input) => [
      "run",
      input,
      "--config",
      config,
      "--base-url",
      "http://127.0.0.1:9",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/config file|API key file/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expectNoKey(result, cwd);
  });

  it("when the key itself is given as --api-key-file or RUNA_API_KEY_FILE", async () => {
    for (const how of [
      { args: ["--api-key-file", KEY], env: {} },
      { args: [], env: { RUNA_API_KEY_FILE: KEY } },
    ]) {
      const { result, cwd } = await runIn(
        (_, input) => ["run", input, "--base-url", "http://127.0.0.1:9", ...how.args],
        how.env,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/API key file .*does not exist; its name is not repeated here/);
      expectNoKey(result, cwd);
    }
  });

  it("when the key is passed as a flag (refused)", async () => {
    const { result, cwd } = await runIn((_, input) => [
      "run",
      input,
      "--api-key",
      KEY,
      "--base-url",
      "http://127.0.0.1:9",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--api-key is refused/);
    expectNoKey(result, cwd);
  });

  it("when Runa refuses the key, for run and catalog, in debug mode too", async () => {
    const sim = await simulator({ apiKey: "the-right-key" });
    for (const command of [
      (_: string, input: string) => ["run", input, "--base-url", sim.url, ...FAST],
      () => ["catalog", "--base-url", sim.url, "--refresh-catalog"],
    ]) {
      const { result, cwd } = await runIn(command, { RUNA_API_KEY: KEY, RUNA_BATCH_DEBUG: "1" });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/401|refused|key/i);
      expectNoKey(result, cwd);
    }
    expect(sim.state.countOrders()).toBe(0);
  });

  it("through API faults, a kill and a debug-mode re-run", async () => {
    const sim = await simulator({
      apiKey: KEY,
      ordersPerMinute: 100_000,
      faults: { serverErrorRate: 0.2, timeoutRate: 0.2, dropAfterCommitRate: 0.2 },
    });
    const cwd = workDir();
    const input = writeRewards(cwd, 12);
    const env = { RUNA_API_KEY: KEY, HOME: cwd, RUNA_BATCH_DEBUG: "1" };
    const killed = await runCli(["run", input, "--base-url", sim.url, ...FAST], {
      cwd,
      env: { ...env, RUNA_BATCH_CRASH_AT: "after-post:3" },
    });
    expect(killed.signal).toBe("SIGKILL");
    expectNoKey(killed, cwd);
    const rerun = await runCli(["run", input, "--base-url", sim.url, ...FAST], { cwd, env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expectNoKey(rerun, cwd);
    expect(filesUnder(cwd).size).toBeGreaterThanOrEqual(4); // input, journal, log, results, summary: the grep means something
  });
});
