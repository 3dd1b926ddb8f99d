// Files a spreadsheet opens as the user's own: the input's delimiter, a UTF-8 BOM unless --no-bom,
// and log times a person can read.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { runCli, SLOW_TEST_MS, workDir } from "../helpers/cli.ts";

const BOM = "\ufeff";

/** What European Excel saves as "CSV UTF-8": a BOM, semicolons, accents and currency signs. */
function writeEuropeanCsv(cwd: string, rows: string[]): string {
  const file = join(cwd, "prämien.csv");
  writeFileSync(file, `${BOM}${["name;amount;currency;product_code;email;description", ...rows].join("\r\n")}\r\n`);
  return file;
}

const VALID_ROWS = ["Zoë Brontë;20;GBP;TSC-UK;zoe@example.co.uk;Prix £20 à Noël", "Jürgen;15.75;GBP;AMZ-UK;;Danke"];

describe("Excel-friendly output", () => {
  it("writes the results with a BOM and the input's ';', every accent and sign intact", async () => {
    const cwd = workDir();
    const file = writeEuropeanCsv(cwd, VALID_ROWS);
    const result = await runCli(["run", file, "--simulate", "--rate", "6000"], { cwd });
    expect(result.code).toBe(0);
    const text = readFileSync(join(cwd, "output", "prämien.results.csv"), "utf8");
    expect(text.startsWith(`${BOM}name;amount;currency;product_code;email;description;row;idempotency_key;`)).toBe(
      true,
    );
    const rows = parse<Record<string, string>>(text, { bom: true, delimiter: ";", columns: true });
    expect(rows.map((row) => [row.name, row.description, row.status])).toEqual([
      ["Zoë Brontë", "Prix £20 à Noël", "COMPLETED"],
      ["Jürgen", "Danke", "COMPLETED"],
    ]);
  });

  it("--no-bom leaves the mark out of the results", async () => {
    const cwd = workDir();
    const file = writeEuropeanCsv(cwd, VALID_ROWS);
    const result = await runCli(["run", file, "--simulate", "--rate", "6000", "--no-bom"], { cwd });
    expect(result.code).toBe(0);
    expect(readFileSync(join(cwd, "output", "prämien.results.csv"), "utf8").startsWith("name;amount;")).toBe(true);
  });

  it(
    "writes the error CSV in the input's delimiter, with a BOM unless --no-bom",
    async () => {
      const cwd = workDir();
      const file = writeEuropeanCsv(cwd, [...VALID_ROWS, "Zoë;vingt;GBP;TSC-UK;;"]);
      const withBom = await runCli(["validate", file, "--simulate", "--errors-out", "with.csv"], { cwd });
      expect(withBom.code).toBe(2);
      const text = readFileSync(join(cwd, "with.csv"), "utf8");
      expect(text.startsWith(`${BOM}row;error;name;amount;`)).toBe(true);
      const [, row] = parse(text, { bom: true, delimiter: ";" });
      expect(row?.slice(0, 4)).toEqual(["4", expect.stringContaining("vingt"), "Zoë", "vingt"]);

      const withoutBom = await runCli(["validate", file, "--simulate", "--errors-out", "without.csv", "--no-bom"], {
        cwd,
      });
      expect(withoutBom.code).toBe(2);
      expect(readFileSync(join(cwd, "without.csv"), "utf8").startsWith("row;error;name;")).toBe(true);
    },
    SLOW_TEST_MS,
  );

  it("stamps every log line with an ISO 8601 UTC time", async () => {
    const cwd = workDir();
    const file = writeEuropeanCsv(cwd, VALID_ROWS);
    const started = Date.now();
    const result = await runCli(["run", file, "--simulate", "--rate", "6000"], { cwd });
    expect(result.code).toBe(0);
    const log = readdirSync(join(cwd, "output")).find((name) => name.endsWith(".log.jsonl")) ?? "no log";
    const lines = readFileSync(join(cwd, "output", log), "utf8")
      .trim()
      .split("\n");
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) {
      const { time } = JSON.parse(line) as { time: unknown };
      expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(time as string)).toBeGreaterThanOrEqual(started - 1000);
    }
  });
});
