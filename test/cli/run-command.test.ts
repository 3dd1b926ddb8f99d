// `run` as a function of its settings and dependencies: parseRunArgs checks the flags without I/O;
// runRun against a real simulator on a local port, with the terminal, the answers and the signals
// given by the test instead of the process.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRunArgs, runRun, type RunArgs, type RunDeps } from "../../src/commands/run.ts";
import type { Connection } from "../../src/commands/connection-options.ts";
import { BalanceShortError, EXIT, NotConfirmedError, UsageError } from "../../src/errors.ts";
import { RunaClient } from "../../src/runa/client.ts";
import type { RunningSimulator } from "../../src/simulator/index.ts";
import { fixture, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";

const SAMPLE = fixture("sample-rewards.csv");

/** Every flag at its default, as yargs and the settings middleware leave argv. */
function args(extra: Partial<RunArgs> = {}): RunArgs {
  return {
    env: "playground",
    input: SAMPLE,
    rate: 60,
    itemsPerOrder: 1,
    pollTimeout: 600,
    allowDuplicates: false,
    skipInvalid: false,
    ignoreBalance: false,
    acceptChanges: false,
    forceAfterExpiry: false,
    continueBatch: false,
    allowRepeatPayments: false,
    repeatWindow: 90,
    refreshCatalog: false,
    bom: true,
    quiet: true,
    progressInterval: 0,
    yes: false,
    sendEmails: false,
    resultsFormat: "csv",
    ...extra,
  };
}

describe("parseRunArgs", () => {
  it.each([
    [{ rate: 0 }, "--rate must be above 0, got 0"],
    [{ itemsPerOrder: 0 }, "--items-per-order must be a whole number from 1 to 200, got 0"],
    [{ itemsPerOrder: 201 }, "--items-per-order must be a whole number from 1 to 200, got 201"],
    [{ itemsPerOrder: 1.5 }, "--items-per-order must be a whole number from 1 to 200, got 1.5"],
    [{ pollTimeout: 0 }, "--poll-timeout must be above 0 seconds, got 0"],
    [{ progressInterval: -1 }, "--progress-interval must be 0 or more seconds, got -1"],
    [{ repeatWindow: -1 }, "--repeat-window must be 0 or more days, got -1"],
    [{ delimiter: "ab" }, '--delimiter must be one character such as , or ; or "tab", got "ab"'],
    [{ rekey: "1" }, '--rekey "1": expected row numbers'],
    [{ env: "production" as const, sendEmails: true }, "--send-emails is for the playground only"],
  ])("refuses %o with a UsageError", (extra, message) => {
    expect(() => parseRunArgs(args(extra), {})).toThrow(UsageError);
    expect(() => parseRunArgs(args(extra), {})).toThrow(message);
  });

  it("refuses a bad RUNA_BATCH_TIME_SCALE from the environment it is given", () => {
    expect(() => parseRunArgs(args(), { RUNA_BATCH_TIME_SCALE: "2" })).toThrow(UsageError);
  });

  it("turns the flags into settings: units converted, defaults filled, the resume command built", () => {
    const settings = parseRunArgs(args({ pollTimeout: 5, repeatWindow: 2, delimiter: "tab", rekey: "5,7-8" }), {
      RUNA_BATCH_TIME_SCALE: "0.5",
    });
    expect(settings).toMatchObject({
      file: SAMPLE,
      name: "sample-rewards",
      batchId: "sample-rewards",
      batchIdGiven: false,
      resultsFile: join("output", "sample-rewards.results.csv"),
      production: false,
      pollTimeoutMs: 5000,
      repeatWindowMs: 2 * 24 * 60 * 60_000,
      delimiter: "\t",
      rekeyRows: [5, 7, 8],
      timeScale: 0.5,
    });
    expect(settings.rerunCommand).toBe(
      `runa-batch run ${SAMPLE} --batch-id sample-rewards --delimiter tab --poll-timeout 5`,
    );
    expect(parseRunArgs(args({ baseUrl: "https://api.runa.io/v2", batchId: "b-1" }), {})).toMatchObject({
      production: true,
      batchId: "b-1",
      batchIdGiven: true,
    });
  });
});

interface Harness {
  deps: RunDeps;
  stdout: string[];
  stderr: string[];
  questions: string[];
  exits: number[];
  connections: number;
  interrupt: (signal: NodeJS.Signals) => void;
}

/** Dependencies that talk to `sim` and record what the command wrote, asked and how it tried to exit. */
function harness(sim: RunningSimulator, terminal: { stdinIsTTY: boolean; answer?: boolean }): Harness {
  const state = join(workDir(), "state");
  let listener: ((signal: NodeJS.Signals) => void) | undefined;
  const h: Harness = {
    stdout: [],
    stderr: [],
    questions: [],
    exits: [],
    connections: 0,
    interrupt: (signal) => listener?.(signal),
    deps: {
      stdout: { write: (text: string) => h.stdout.push(text) },
      stderr: { write: (text: string) => h.stderr.push(text), isTTY: false },
      stdinIsTTY: terminal.stdinIsTTY,
      ask: (question) => {
        h.questions.push(question);
        return Promise.resolve(terminal.answer === true);
      },
      onInterrupt: (handler) => {
        listener = handler;
        return () => (listener = undefined);
      },
      exit: (code) => void h.exits.push(code),
      now: () => Date.parse("2026-11-03T10:00:00Z"),
      env: {},
      openConnection: (): Promise<Connection> => {
        h.connections += 1;
        return Promise.resolve({
          client: new RunaClient({ baseUrl: sim.url, apiKey: "test-key" }),
          baseUrl: sim.url,
          simulated: false,
          secrets: ["test-key"],
          stateDirectory: () => state,
          close: () => Promise.resolve(),
        });
      },
    },
  };
  return h;
}

/** Sends `signals` when the run reads the balance: after planning, before its first order. */
function interruptAtBalanceCheck(h: Harness, signals: NodeJS.Signals[]): void {
  const connect = h.deps.openConnection;
  h.deps.openConnection = async (argv, options) => {
    const connection = await connect(argv, options);
    const getBalance = connection.client.getBalance.bind(connection.client);
    connection.client.getBalance = async (currency) => {
      for (const signal of signals.splice(0)) h.interrupt(signal);
      return getBalance(currency);
    };
    return connection;
  };
}

const out = (dir: string) => ({ out: join(dir, "results.csv") });
const FAST = { rate: 3000 };

describe("runRun", () => {
  it("orders every row and writes the summary to the stdout it is given", async () => {
    const sim = await simulator({ ordersPerMinute: 10_000 });
    const dir = workDir();
    const h = harness(sim, { stdinIsTTY: false });
    const code = await runRun(parseRunArgs(args({ ...out(dir), ...FAST, batchId: "b-ok" }), {}), h.deps);
    expect(code).toBe(EXIT.OK);
    expect(sim.state.countOrders()).toBe(15);
    expect(h.stdout.join("")).toMatch(/^Batch b-ok: 15 COMPLETED of 15 row\(s\)/);
    expect(readResults(join(dir, "results.csv")).map((row) => row.status)).toEqual(Array(15).fill("COMPLETED"));
    expect(h.questions).toEqual([]);
  });

  it("refuses production without --yes and without a terminal before connecting at all", async () => {
    const sim = await simulator();
    const h = harness(sim, { stdinIsTTY: false });
    const settings = parseRunArgs(args({ ...out(workDir()), env: "production", batchId: "p-1" }), {});
    await expect(runRun(settings, h.deps)).rejects.toThrow(/no terminal to confirm on/);
    expect(h.connections).toBe(0);
    expect(sim.state.requests).toHaveLength(0);
  });

  it("suggests a production batch id from the clock it is given", async () => {
    const sim = await simulator();
    const h = harness(sim, { stdinIsTTY: false });
    const settings = parseRunArgs(args({ ...out(workDir()), env: "production", yes: true }), {});
    await expect(runRun(settings, h.deps)).rejects.toThrow("--batch-id sample-rewards-2026-11 ");
    expect(h.connections).toBe(0);
  });

  it("asks on a terminal in production; a no is a NotConfirmedError with no order sent", async () => {
    const sim = await simulator({ ordersPerMinute: 10_000 });
    const dir = workDir();
    const h = harness(sim, { stdinIsTTY: true, answer: false });
    const settings = parseRunArgs(args({ ...out(dir), ...FAST, env: "production", batchId: "p-2" }), {});
    const refused = runRun(settings, h.deps);
    await expect(refused).rejects.toThrow(NotConfirmedError);
    await expect(refused).rejects.toThrow("not confirmed: nothing was ordered");
    expect(h.questions).toHaveLength(1);
    expect(h.questions[0]).toMatch(/PRODUCTION: batch p-2 orders real gift cards/);
    expect(h.questions[0]).toMatch(/USD\s+8\s+298\.97\s/);
    expect(sim.state.countOrderPosts()).toBe(0);
    // the stopped run's summary says why, with the error's code
    const stopped: unknown = JSON.parse(readFileSync(join(dir, "p-2.summary.json"), "utf8"));
    expect(stopped).toMatchObject({
      stopped: true,
      exitCode: EXIT.USAGE,
      error: "not_confirmed",
      at: "2026-11-03T10:00:00.000Z", // the clock it was given
    });
  });

  it("orders in production on a yes", async () => {
    const sim = await simulator({ ordersPerMinute: 10_000 });
    const h = harness(sim, { stdinIsTTY: true, answer: true });
    const settings = parseRunArgs(args({ ...out(workDir()), ...FAST, env: "production", batchId: "p-3" }), {});
    expect(await runRun(settings, h.deps)).toBe(EXIT.OK);
    expect(h.questions).toHaveLength(1);
    expect(sim.state.countOrders()).toBe(15);
  });

  it("refuses a short production balance with a BalanceShortError before asking or ordering", async () => {
    const sim = await simulator({ balances: { USD: "5.00", GBP: "1000.00", EUR: "1000.00", CAD: "1000.00" } });
    const dir = workDir();
    const h = harness(sim, { stdinIsTTY: true, answer: true });
    const settings = parseRunArgs(args({ ...out(dir), ...FAST, env: "production", batchId: "p-4" }), {});
    const refused = runRun(settings, h.deps);
    await expect(refused).rejects.toThrow(BalanceShortError);
    await expect(refused).rejects.toThrow(/the account balance is short: USD needs 289\.89, has 5\.00/);
    expect(h.questions).toEqual([]);
    expect(sim.state.countOrderPosts()).toBe(0);
    const stopped: unknown = JSON.parse(readFileSync(join(dir, "p-4.summary.json"), "utf8"));
    expect(stopped).toMatchObject({ exitCode: EXIT.USAGE, error: "insufficient_balance" });
  });

  it("stops sending on an interrupt it is given, exits 130, and a second one ends the process", async () => {
    const sim = await simulator({ ordersPerMinute: 10_000 });
    const dir = workDir();
    const h = harness(sim, { stdinIsTTY: false });
    interruptAtBalanceCheck(h, ["SIGINT"]); // planned, not yet sending
    const code = await runRun(parseRunArgs(args({ ...out(dir), ...FAST, batchId: "b-int" }), {}), h.deps);
    expect(code).toBe(130);
    expect(sim.state.countOrderPosts()).toBe(0);
    expect(h.stderr.join("")).toContain("SIGINT: no new orders will be sent");
    expect(readResults(join(dir, "results.csv")).map((row) => row.status)).toEqual(Array(15).fill("NOT_SENT"));
    expect(h.exits).toEqual([]);
    // the listener is gone once the run returns; one still listening would exit on a second signal
    h.interrupt("SIGINT");
    expect(h.exits).toEqual([]);
  });

  it("exits at once on a second interrupt while running", async () => {
    const sim = await simulator({ ordersPerMinute: 10_000 });
    const h = harness(sim, { stdinIsTTY: false });
    interruptAtBalanceCheck(h, ["SIGTERM", "SIGTERM"]);
    await runRun(parseRunArgs(args({ ...out(workDir()), ...FAST, batchId: "b-int2" }), {}), h.deps);
    expect(h.exits).toEqual([130]);
    expect(h.stderr.join("")).toContain("SIGTERM again: exiting now");
    expect(sim.state.countOrderPosts()).toBe(0);
  });
});
