// What each command loads at start: a module only one command or flag needs is imported when it is
// needed, so `--help` and `validate` start without got, ioredis, pino, the simulator or the workbook
// reader (start-up time is measured by `npm run bench:startup`; this pins what it depends on).
//
// The bin runs one bundle (dist/runa-batch.cjs). In it, a module imported lazily (and everything
// loaded only through it) is wrapped in a function named by its path, e.g.
// "node_modules/got/dist/source/index.js", called when the import runs. V8's coverage counts those
// calls; the build's esbuild metafile lists each module's static imports. A module was loaded if
// the entry or a wrapper that ran imports it, directly or through other static imports.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, SLOW_TEST_MS, runCli, workDir } from "../helpers/cli.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";
import { writeWorkbook } from "../helpers/workbook.ts";

const BUNDLE = join(REPO_ROOT, "dist", "runa-batch.cjs");

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string }[] }>;
}

interface Coverage {
  result: { url: string; functions: { functionName: string; ranges: { count: number }[] }[] }[];
}

/** How many times each function of the bundle ran, by name, from the coverage files in `directory`. */
function bundleCalls(directory: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const file of readdirSync(directory)) {
    const coverage = JSON.parse(readFileSync(join(directory, file), "utf8")) as Coverage;
    const bundle = coverage.result.find((script) => script.url === pathToFileURL(BUNDLE).href);
    for (const fn of bundle?.functions ?? [])
      calls.set(fn.functionName, (calls.get(fn.functionName) ?? 0) + fn.ranges[0]!.count);
  }
  return calls;
}

/** Runs the bin under V8 coverage; returns the result and the packages and src/ modules it loaded. */
async function loaded(args: string[], cwd = workDir()) {
  const coverage = join(cwd, "coverage");
  const result = await runCli(args, { cwd, env: { NODE_V8_COVERAGE: coverage } });
  const { inputs } = JSON.parse(readFileSync(join(REPO_ROOT, "dist", "runa-batch.meta.json"), "utf8")) as Metafile;
  const calls = bundleCalls(coverage);
  const wrappers = Object.keys(inputs).filter((module) => calls.has(module));
  expect(wrappers).toContain("node_modules/got/dist/source/index.js"); // the coverage names the wrappers
  const ran = wrappers.filter((module) => calls.get(module)! > 0);
  const modules = new Set<string>();
  const visit = (module: string): void => {
    if (modules.has(module)) return;
    modules.add(module);
    for (const { path, kind } of inputs[module]?.imports ?? []) if (kind === "import-statement") visit(path);
  };
  for (const module of ["src/main.ts", ...ran]) visit(module);
  const packages = new Set(
    [...modules].flatMap((module) => {
      const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(module);
      return match ? [match[1]!] : [];
    }),
  );
  const sources = new Set([...modules].filter((module) => module.startsWith("src/")));
  return { result, packages, sources };
}

const SENDING_ONLY = ["ioredis", "pino", "bottleneck", "uuid"];
const WORKBOOK_ONLY = ["fflate", "saxes", "numfmt"];

describe("start-up loads only what the command needs", () => {
  it(
    "--help loads yargs and nothing that talks to Runa, logs, or reads files",
    async () => {
      const { result, packages, sources } = await loaded(["--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("runa-batch <command>");
      expect(packages.has("yargs")).toBe(true);
      // string-width: its stand-in measures the help's plain ASCII without it (scripts/lazy-string-width.cjs).
      for (const name of [
        "got",
        "csv-parse",
        "csv-stringify",
        "big.js",
        "string-width",
        ...SENDING_ONLY,
        ...WORKBOOK_ONLY,
      ])
        expect(packages, name).not.toContain(name);
      expect(
        [...sources].filter((module) => module.startsWith("src/commands/") && module !== "src/commands/index.ts"),
      ).toEqual([]);
    },
    SLOW_TEST_MS,
  );

  it(
    "validate of a CSV loads the API client, but not the sending, logging, workbook or simulator modules",
    async () => {
      const sim = await simulator();
      const cwd = workDir();
      writeRewards(cwd, 10);
      const { result, packages, sources } = await loaded(["validate", "rewards.csv", "--base-url", sim.url], cwd);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(packages.has("got")).toBe(true); // validate asks Runa for balances and prices: seen when it loads
      expect(packages.has("csv-parse")).toBe(true);
      // http2-wrapper: got's HTTP/2 support, left to its stand-in (scripts/lazy-http2-wrapper.cjs).
      for (const name of ["csv-stringify", "http2-wrapper", ...SENDING_ONLY, ...WORKBOOK_ONLY])
        expect(packages, name).not.toContain(name);
      expect([...sources].filter((module) => module.startsWith("src/simulator/"))).toEqual([]);
      expect(sources).not.toContain("src/csv/read-workbook.ts");
      expect(sources).not.toContain("src/commands/run.ts");
      expect(sources).toContain("src/commands/validate.ts");
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
      const { result, packages, sources } = await loaded(["validate", "book.xlsx", "--base-url", sim.url], cwd);
      expect(result.stderr).toBe("");
      expect(result.stdout).toContain("book.xlsx is valid: 1 row");
      for (const name of WORKBOOK_ONLY) expect(packages, name).toContain(name);
      expect(sources).toContain("src/csv/read-workbook.ts");
    },
    SLOW_TEST_MS,
  );
});
