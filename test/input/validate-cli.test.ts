// `validate` end to end against a real simulator on a local port: it reports, writes the error CSV,
// sets the exit code, and never sends POST /order.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands } from "../../src/commands/index.ts";
import { runValidate, type ValidateArgs } from "../../src/commands/validate.ts";
import { runCatalog } from "../../src/commands/catalog.ts";
import { EXIT } from "../../src/errors.ts";
import { RunaClient } from "../../src/runa/client.ts";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.ts";
import { runCli, workDir, fixture } from "../helpers/cli.ts";
import { tempDir } from "./helpers.ts";

let simulator: RunningSimulator;
beforeAll(async () => {
  simulator = await startSimulator({ port: 0 });
});
afterAll(() => simulator.close());

function deps(output: string[]) {
  return {
    write: (text: string) => output.push(text),
    openConnection: async () => ({
      client: new RunaClient({ baseUrl: simulator.url, apiKey: "test" }),
      baseUrl: simulator.url,
      simulated: true,
      secrets: [],
      stateDirectory: () => tempDir(),
      close: async () => undefined,
    }),
  };
}

const args = (input: string, extra: Partial<ValidateArgs> = {}): ValidateArgs => ({
  env: "playground",
  input,
  allowDuplicates: false,
  refreshCatalog: false,
  bom: true,
  errorsOut: join(tempDir(), "errors.csv"),
  ...extra,
});

describe("runValidate against the simulator", () => {
  it("passes the sample with exit 0, costs and balances, and orders nothing", async () => {
    const output: string[] = [];
    const before = simulator.state.countOrderPosts();
    expect(await runValidate(args("fixtures/sample-rewards.csv"), deps(output))).toBe(EXIT.OK);
    const text = output.join("");
    expect(text).toContain("15 rows, 15 valid, 0 invalid");
    // the product-choice row priced by Runa's estimate: exactly what a run of the sample is charged
    expect(text).toMatch(/USD\s+8\s+298\.97\s+9\.08\s+289\.89/);
    expect(text).toContain("1 product-choice row priced exactly by Runa (POST /order/estimate)");
    expect(text).toContain("Account balance:");
    expect(text).toContain("is valid: 15 rows ready to order");
    expect(simulator.state.countOrderPosts()).toBe(before);
  });

  it("fails an invalid file with exit 2, writes the error CSV, and orders nothing", async () => {
    const output: string[] = [];
    const extra = { errorsOut: join(tempDir(), "nested", "several.errors.csv") };
    expect(await runValidate(args("fixtures/invalid/several-problems.csv", extra), deps(output))).toBe(
      EXIT.INVALID_INPUT,
    );
    const text = output.join("");
    expect(text).toContain(readFileSync("fixtures/invalid/several-problems.expected.txt", "utf8").split("\n")[0]);
    expect(text).toContain(`The 2 invalid rows with their errors: ${extra.errorsOut}`);
    expect(existsSync(extra.errorsOut)).toBe(true);
    expect(simulator.state.countOrderPosts()).toBe(0);
    // reads, and the price estimate of the valid rows' product choices: nothing that orders
    expect(
      simulator.state.requests.every((request) => request.method === "GET" || request.path === "/order/estimate"),
    ).toBe(true);
  });

  it("warns when the balance is short in production, and only notes it in the playground", async () => {
    const poor = await startSimulator({ port: 0, balances: { USD: "10.00" } });
    try {
      const output: string[] = [];
      const connection = {
        client: new RunaClient({ baseUrl: poor.url, apiKey: "test" }),
        baseUrl: poor.url,
        simulated: true,
        secrets: [],
        stateDirectory: () => tempDir(),
        close: async () => undefined,
      };
      const code = await runValidate(args("fixtures/messy/trailing-empty-columns.csv", { env: "production" }), {
        write: (text) => output.push(text),
        openConnection: async () => connection,
      });
      expect(code).toBe(EXIT.OK);
      expect(output.join("")).toContain("WARNING: the USD balance (10.00) is 35.75 short of the 45.75 this file costs");
      const playground: string[] = [];
      await runValidate(args("fixtures/messy/trailing-empty-columns.csv"), {
        write: (text) => playground.push(text),
        openConnection: async () => connection,
      });
      expect(playground.join("")).toContain(
        "Note: the USD balance is 35.75 short of the 45.75 this file costs; the playground accepts orders whatever the balance",
      );
      expect(playground.join("")).not.toContain("WARNING");
    } finally {
      await poor.close();
    }
  });

  it("lists the catalog with plan codes for subscriptions, filtered by currency", async () => {
    const output: string[] = [];
    expect(await runCatalog({ env: "playground", refreshCatalog: false, currency: "gbp" }, deps(output))).toBe(0);
    const text = output.join("");
    expect(text).toMatch(/^code\s+name\s+currency\s+amounts\s+discount\s+countries\s+orderable$/m);
    expect(text).toMatch(/TSC-UK .*GBP\s+10\.00, 20\.00, 50\.00/);
    expect(text).not.toContain("AMZ-US");
  });
});

const registered = commands.some((command) => String(command.command ?? "").startsWith("validate"));

describe.skipIf(!registered)("the validate command as a process", () => {
  it("exits 2 on an invalid file and the simulator sees no POST /order", async () => {
    const before = simulator.state.countOrderPosts();
    const result = await runCli(["validate", fixture("invalid/several-problems.csv"), "--base-url", simulator.url], {
      cwd: workDir(),
      env: { RUNA_API_KEY: "test" },
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toContain("row 2 (line 2) amount:");
    expect(simulator.state.countOrderPosts()).toBe(before);
  });

  it("exits 2 with one line, no stack trace, for an unreadable file", async () => {
    const result = await runCli(["validate", fixture("invalid/latin1.csv"), "--simulate"], { cwd: workDir() });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^runa-batch: .*latin1\.csv:3: the file is not UTF-8 text/);
    expect(result.stderr).not.toContain("    at ");
  });

  it("exits 0 on the sample with --simulate", async () => {
    const result = await runCli(["validate", fixture("sample-rewards.csv"), "--simulate"], { cwd: workDir() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("15 rows, 15 valid, 0 invalid");
  });
});
