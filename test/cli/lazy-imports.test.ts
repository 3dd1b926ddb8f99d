// What each command loads at start: a module only one command or flag needs is imported when it is
// needed, so `--help` and `validate` start without got, ioredis, pino, the simulator or the workbook
// reader (start-up time is measured by `npm run bench:startup`; this pins what it depends on).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SLOW_TEST_MS, runCli, workDir } from "../helpers/cli.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";
import { writeWorkbook } from "../helpers/workbook.ts";

const RECORDER = fileURLToPath(new URL("../helpers/record-imports.mjs", import.meta.url));

/** Runs the bin with the recorder preloaded; returns the result and the packages and dist/ modules it loaded. */
async function loaded(args: string[], cwd = workDir()) {
  const record = join(cwd, "imports.txt");
  // runCli spawns `node <CLI> ...`: NODE_OPTIONS carries the preload into that child alone.
  const result = await runCli(args, {
    cwd,
    env: { NODE_OPTIONS: `--import ${RECORDER}`, RECORD_IMPORTS_FILE: record },
  });
  const urls = readFileSync(record, "utf8").split("\n").filter(Boolean);
  const packages = new Set(
    urls.flatMap((url) => {
      const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      return match ? [match[1]!] : [];
    }),
  );
  const dist = new Set(urls.filter((url) => url.includes("/dist/")).map((url) => url.replace(/^.*\/dist\//, "")));
  return { result, packages, dist };
}

const SENDING_ONLY = ["ioredis", "pino", "bottleneck", "uuid"];
const WORKBOOK_ONLY = ["fflate", "saxes", "numfmt"];

describe("start-up loads only what the command needs", () => {
  it(
    "--help loads yargs and nothing that talks to Runa, logs, or reads files",
    async () => {
      const { result, packages, dist } = await loaded(["--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("runa-batch <command>");
      expect(packages.has("yargs")).toBe(true); // the recorder sees packages
      for (const name of ["got", "csv-parse", "csv-stringify", "big.js", ...SENDING_ONLY, ...WORKBOOK_ONLY])
        expect(packages, name).not.toContain(name);
      expect([...dist].filter((module) => module.startsWith("commands/") && module !== "commands/index.js")).toEqual(
        [],
      );
    },
    SLOW_TEST_MS,
  );

  it(
    "validate of a CSV loads the API client, but not the sending, logging, workbook or simulator modules",
    async () => {
      const sim = await simulator();
      const cwd = workDir();
      writeRewards(cwd, 10);
      const { result, packages, dist } = await loaded(["validate", "rewards.csv", "--base-url", sim.url], cwd);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(packages.has("got")).toBe(true); // validate asks Runa for balances and prices
      expect(packages.has("csv-parse")).toBe(true);
      for (const name of ["csv-stringify", ...SENDING_ONLY, ...WORKBOOK_ONLY])
        expect(packages, name).not.toContain(name);
      expect([...dist].filter((module) => module.startsWith("simulator/"))).toEqual([]);
      expect(dist).not.toContain("csv/read-workbook.js");
      expect(dist).not.toContain("commands/run.js");
    },
    SLOW_TEST_MS,
  );

  it(
    "validate of a workbook loads the workbook reader when it needs it",
    async () => {
      const sim = await simulator();
      const cwd = workDir();
      writeWorkbook(join(cwd, "book.xlsx"), [
        {
          name: "Rewards",
          rows: [
            ["amount", "currency", "product_code", "email"],
            ["25", "USD", "AMZ-US", "ann@example.com"],
          ],
        },
      ]);
      const { result, packages, dist } = await loaded(["validate", "book.xlsx", "--base-url", sim.url], cwd);
      expect(result.stderr).toBe("");
      expect(result.stdout).toContain("book.xlsx is valid: 1 row");
      for (const name of WORKBOOK_ONLY) expect(packages, name).toContain(name);
      expect(dist).toContain("csv/read-workbook.js");
    },
    SLOW_TEST_MS,
  );
});
