// Messages that used to mislead a first-time user, each now saying what actually happened.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, SLOW_TEST_MS, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";

const HEADER = "reference,amount,currency,product_code,email";
const VALID = ["R-1,25,USD,AMZ-US,a@example.com", "R-2,10,USD,TGT-US,b@example.com"];

function csv(cwd: string, name: string, rows: string[]): string {
  const file = join(cwd, name);
  writeFileSync(file, `${[HEADER, ...rows].join("\n")}\n`);
  return file;
}

describe("messages that say what happened", () => {
  it("names a workbook given as a CSV, instead of calling it Latin-1 text", async () => {
    const cwd = workDir();
    // The first bytes of every .xlsx (a ZIP archive), then binary noise.
    writeFileSync(
      join(cwd, "rewards.csv"),
      Buffer.concat([Buffer.from("PK\x03\x04\x14\x00\x06\x00", "latin1"), Buffer.from([0x9d, 0xff, 0x0a, 0x80])]),
    );
    const result = await runCli(["validate", "rewards.csv", "--simulate"], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("this is a ZIP archive, such as an Excel .xlsx");
    expect(result.stderr).not.toContain("Latin-1");
  });

  it("--skip-invalid says the invalid rows are left out and the valid ones ordered, never 'nothing was ordered'", async () => {
    const cwd = workDir();
    const file = csv(cwd, "rewards.csv", [...VALID, "R-3,ten,USD,AMZ-US,c@example.com"]);
    const result = await runCli(["run", file, "--simulate", "--rate", "6000", "--skip-invalid"], { cwd });
    expect(`${result.stdout}${result.stderr}`).not.toContain("nothing was ordered");
    expect(result.stderr).toContain("--skip-invalid: the 1 invalid row(s) are left out");
    expect(result.stderr).toContain("the 2 valid row(s) are ordered");
    expect(readResults(join(cwd, "output", "rewards.results.csv")).map((row) => row.status)).toEqual([
      "COMPLETED",
      "COMPLETED",
      "INVALID",
    ]);
    expect(result.code).toBe(3);
  });

  it("run's validation report names the file the user gave, not the private copy the run reads", async () => {
    const cwd = workDir();
    csv(cwd, "rewards.csv", [...VALID, "R-3,ten,USD,AMZ-US,c@example.com"]);
    const result = await runCli(["run", "rewards.csv", "--simulate"], { cwd });
    expect(result.code).toBe(2);
    // It said "/tmp/runa-batch-input-XXXXXX/rewards.csv: 3 rows, 2 valid, 1 invalid", a file deleted on exit.
    expect(result.stderr).toContain("rewards.csv: 3 rows, 2 valid, 1 invalid");
    expect(result.stderr).not.toContain("runa-batch-input-");
  });

  it("an unreachable base URL fails at once with what to check, not after retries with a bare ECONNREFUSED", async () => {
    const cwd = workDir();
    const file = csv(cwd, "rewards.csv", VALID);
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const result = await runCli(["validate", file, "--base-url", `http://127.0.0.1:${port}`], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("ECONNREFUSED");
    expect(result.stderr).toContain("Nothing answers at that address: check --base-url / RUNA_BASE_URL");
  });

  it(
    "removes a stale error CSV once the file is valid (validate and run)",
    async () => {
      const cwd = workDir();
      const errors = join(cwd, "output", "rewards.errors.csv");
      csv(cwd, "rewards.csv", [...VALID, "R-3,ten,USD,AMZ-US,c@example.com"]);
      expect((await runCli(["validate", "rewards.csv", "--simulate"], { cwd })).code).toBe(2);
      expect(existsSync(errors)).toBe(true);
      csv(cwd, "rewards.csv", VALID);
      const fixed = await runCli(["validate", "rewards.csv", "--simulate"], { cwd });
      expect(fixed.code).toBe(0);
      expect(fixed.stdout).toContain("Removed output/rewards.errors.csv");
      expect(existsSync(errors)).toBe(false);

      csv(cwd, "rewards.csv", [...VALID, "R-3,ten,USD,AMZ-US,c@example.com"]);
      expect((await runCli(["run", "rewards.csv", "--simulate", "--rate", "6000"], { cwd })).code).toBe(2);
      expect(existsSync(errors)).toBe(true);
      csv(cwd, "rewards.csv", VALID);
      expect((await runCli(["run", "rewards.csv", "--simulate", "--rate", "6000"], { cwd })).code).toBe(0);
      expect(existsSync(errors)).toBe(false);
    },
    SLOW_TEST_MS,
  );

  it("reports a reused reference on every row that repeats it, valid or not", async () => {
    const cwd = workDir();
    const file = csv(cwd, "rewards.csv", [
      "R-1,25,USD,AMZ-US,a@example.com",
      "R-1,ten,USD,AMZ-US,b@example.com",
      "R-2,10,USD,TGT-US,c@example.com",
      "R-2,10,USD,TGT-US,d@example.com",
    ]);
    const result = await runCli(["validate", file, "--simulate"], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/row 3 \(line 3\) .*reference: reference "R-1" is also used on row 2/);
    expect(result.stdout).toMatch(/row 5 \(line 5\) reference: reference "R-2" is also used on row 4/);
  });

  it(
    "status on a file a run would refuse says so and exits as that run would (2 invalid, 1 edited after paying)",
    async () => {
      const sim = await simulator();
      const cwd = workDir();
      csv(cwd, "paid.csv", VALID);
      expect((await runCli(["run", "paid.csv", "--base-url", sim.url, "--rate", "6000"], { cwd })).code).toBe(0);
      const clean = await runCli(["status", "paid.csv", "--base-url", sim.url], { cwd });
      expect(clean.stdout).not.toContain("REFUSE");
      expect(clean.code).toBe(0);

      csv(cwd, "paid.csv", [...VALID, "R-3,ten,USD,AMZ-US,c@example.com"]);
      const invalid = await runCli(["status", "paid.csv", "--base-url", sim.url], { cwd });
      expect(invalid.stdout).toContain("a run now would REFUSE the file: 1 row(s) are invalid");
      expect(invalid.code).toBe(2);

      csv(cwd, "paid.csv", ["R-1,30,USD,AMZ-US,a@example.com", VALID[1]!]);
      const edited = await runCli(["status", "paid.csv", "--base-url", sim.url], { cwd });
      expect(edited.stdout).toContain("a run now would REFUSE before sending anything");
      expect(edited.code).toBe(1);
      const run = await runCli(["run", "paid.csv", "--base-url", sim.url, "--rate", "6000"], { cwd });
      expect(run.code).toBe(1);
      expect(sim.state.countOrders()).toBe(2);
    },
    SLOW_TEST_MS,
  );

  it(
    "a run that stops on an error replaces the previous run's summary.json with one that says so",
    async () => {
      const cwd = workDir();
      csv(cwd, "rewards.csv", VALID);
      expect((await runCli(["run", "rewards.csv", "--simulate", "--rate", "6000"], { cwd })).code).toBe(0);
      const summaryPath = join(cwd, "output", "rewards.summary.json");
      expect(JSON.parse(readFileSync(summaryPath, "utf8")).statuses.COMPLETED).toBe(2);

      csv(cwd, "rewards.csv", [...VALID, "R-3,ten,USD,AMZ-US,c@example.com"]);
      expect((await runCli(["run", "rewards.csv", "--simulate", "--rate", "6000"], { cwd })).code).toBe(2);
      const stopped = JSON.parse(readFileSync(summaryPath, "utf8"));
      expect(stopped).toMatchObject({ batchId: "rewards", stopped: true, exitCode: 2, error: "validation_failed" });
      expect(stopped.message).toContain("1 of 3 row(s) are invalid; nothing was ordered");
      expect(stopped.statuses).toBeUndefined();
    },
    SLOW_TEST_MS,
  );

  it("RUNA_BATCH_DEBUG=1 adds the error's code and the error under it; without it, one line", async () => {
    const cwd = workDir();
    writeFileSync(join(cwd, "rewards.xlsx"), Buffer.from("PK\x03\x04 not a whole archive", "latin1"));
    const plain = await runCli(["validate", "rewards.xlsx", "--simulate"], { cwd });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/^runa-batch: rewards\.xlsx: this \.xlsx file cannot be opened \(.+\)[^\n]*\n$/);

    const debug = await runCli(["validate", "rewards.xlsx", "--simulate"], { cwd, env: { RUNA_BATCH_DEBUG: "1" } });
    expect(debug.code).toBe(2);
    const [message, code, ...rest] = debug.stderr.split("\n");
    expect(`${message}\n`).toBe(plain.stderr);
    expect(code).toBe("code: input_file");
    expect(rest[0]).toMatch(/^InputFileError: rewards\.xlsx: this \.xlsx file cannot be opened/);
    expect(rest.filter((line) => line.startsWith("caused by: "))).toHaveLength(1);
  });
});
