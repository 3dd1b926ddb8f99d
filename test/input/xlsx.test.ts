// An .xlsx workbook goes through the same checks, fingerprints and keys as the same rows saved as CSV,
// each cell read as the text Excel shows (never a float's digits).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, SLOW_TEST_MS, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { writeWorkbook, type Cell } from "../helpers/workbook.ts";
import { MAX_WORKBOOK_XML_BYTES, readWorkbookSheet } from "../../src/csv/read-workbook.ts";

const HEADER = ["reference", "amount", "currency", "product_code", "email", "description", "hired"];

/** The rows as Excel stores them, and (below) as Excel saves the same sheet as CSV. */
const STORED: Cell[][] = [
  HEADER,
  [
    { number: "1001" },
    { number: "10.099999999999999" },
    "USD",
    "AMZ-US",
    "zoe@example.com",
    "Prix à Noël",
    { number: "46000", style: "shortDate" },
  ],
  [{ number: "1002" }, { number: "12.5", style: "twoDecimals" }, "USD", "AMZ-US", "", "", ""],
  ["R-3", { number: "25" }, "USD", "TGT-US", "c@example.com", "Thanks, team", { number: "45292", style: "shortDate" }],
];
const AS_CSV = [
  "reference,amount,currency,product_code,email,description,hired",
  "1001,10.1,USD,AMZ-US,zoe@example.com,Prix à Noël,12/9/2025",
  "1002,12.50,USD,AMZ-US,,,",
  'R-3,25,USD,TGT-US,c@example.com,"Thanks, team",1/1/2024',
];

describe(".xlsx input", () => {
  it("reads each cell as the text Excel shows: 10.1 not 10.0999..., 12.50 in a 0.00 format, dates as dates", async () => {
    const cwd = workDir();
    writeWorkbook(join(cwd, "rewards.xlsx"), [{ name: "Rewards", rows: STORED }]);
    const sheet = await readWorkbookSheet(join(cwd, "rewards.xlsx"));
    expect(sheet.rows.map((row) => row.cells.join(","))).toEqual(
      AS_CSV.map((line) => line.replace('"Thanks, team"', "Thanks, team").replace(/,+$/, "")),
    );
  });

  it(
    "orders the same rows under the same keys as the CSV Excel would save",
    async () => {
      const cwd = workDir();
      writeWorkbook(join(cwd, "rewards.xlsx"), [{ name: "Rewards", rows: STORED }]);
      writeFileSync(join(cwd, "rewards.csv"), `${AS_CSV.join("\n")}\n`);
      const args = ["--simulate", "--rate", "6000", "--batch-id", "rewards-2026-11"];
      const fromXlsx = await runCli(["run", "rewards.xlsx", ...args, "--out", "xlsx.results.csv"], { cwd });
      const fromCsv = await runCli(["run", "rewards.csv", ...args, "--out", "csv.results.csv"], { cwd });
      expect([fromXlsx.code, fromCsv.code]).toEqual([0, 0]);
      const xlsxRows = readResults(join(cwd, "xlsx.results.csv"));
      const csvRows = readResults(join(cwd, "csv.results.csv"));
      expect(xlsxRows.map((row) => row.idempotency_key)).toEqual(csvRows.map((row) => row.idempotency_key));
      expect(new Set(xlsxRows.map((row) => row.idempotency_key)).size).toBe(3);
      for (const [i, row] of xlsxRows.entries()) {
        expect(row.status).toBe("COMPLETED");
        for (const column of HEADER) expect(row[column], `${column} of row ${i + 2}`).toBe(csvRows[i]![column]);
      }
      expect(xlsxRows.map((row) => row.amount)).toEqual(["10.1", "12.50", "25"]);
    },
    SLOW_TEST_MS,
  );

  it(
    "reads --sheet by name, and names the sheets there are when it is missing",
    async () => {
      const cwd = workDir();
      writeWorkbook(join(cwd, "book.xlsx"), [
        { name: "Notes", rows: [["nothing to order here"]] },
        { name: "Rewards", rows: STORED },
      ]);
      const first = await runCli(["validate", "book.xlsx", "--simulate"], { cwd });
      expect(first.code).toBe(2);
      expect(first.stderr).toContain("the header has no amount column");
      const named = await runCli(["validate", "book.xlsx", "--simulate", "--sheet", "Rewards"], { cwd });
      expect(named.stdout).toContain("book.xlsx is valid: 3 rows ready to order");
      expect(named.code).toBe(0);
      const missing = await runCli(["validate", "book.xlsx", "--simulate", "--sheet", "Sheet9"], { cwd });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('the workbook has no sheet named "Sheet9" (it has: "Notes", "Rewards")');
    },
    SLOW_TEST_MS,
  );

  it("reports a bad row with its sheet row number", async () => {
    const cwd = workDir();
    writeWorkbook(join(cwd, "bad.xlsx"), [
      { name: "Rewards", rows: [HEADER, ["R-1", "ten", "USD", "AMZ-US", "a@example.com", "", ""]] },
    ]);
    const result = await runCli(["validate", "bad.xlsx", "--simulate"], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/row 2 \(line 2\) amount: /);
  });

  it("refuses a workbook that unpacks to more than it can hold, before inflating it (a zip bomb), naming the file", async () => {
    const cwd = workDir();
    writeWorkbook(join(cwd, "bomb.xlsx"), [{ name: "Rewards", rows: STORED }]);
    // fflate inflates a part into a buffer of the size the zip declares, so the declared size is what
    // a bomb must claim; claim just over the limit for the sheet in the central directory.
    const zip = readFileSync(join(cwd, "bomb.xlsx"));
    const claimed = declareSize(zip, "xl/worksheets/sheet1.xml", MAX_WORKBOOK_XML_BYTES + 1);
    expect(claimed).toBe(1);
    writeFileSync(join(cwd, "bomb.xlsx"), zip);
    await expect(readWorkbookSheet(join(cwd, "bomb.xlsx"))).rejects.toThrow(
      `unpacks to more than ${MAX_WORKBOOK_XML_BYTES / 1024 / 1024} MB`,
    );
    const result = await runCli(["validate", "bomb.xlsx", "--simulate"], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("bomb.xlsx");
    expect(result.stderr).toContain("save the sheet as CSV UTF-8");
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  });

  it("refuses a workbook whose sheet is not well-formed XML as bad input naming the file (exit 2), for validate and run", async () => {
    const cwd = workDir();
    writeWorkbook(join(cwd, "rewards.xlsx"), [{ name: "Rewards", rows: STORED }]);
    // A zip may declare a part smaller than it is: fflate stops at the declared size, so the sheet's
    // XML ends early. Before, saxes' error escaped as "unexpected error: 1:100: unexpected end." (exit 1).
    const zip = readFileSync(join(cwd, "rewards.xlsx"));
    expect(declareSize(zip, "xl/worksheets/sheet1.xml", 100)).toBe(1);
    writeFileSync(join(cwd, "short.xlsx"), zip);
    const validated = await runCli(["validate", "short.xlsx", "--simulate"], { cwd });
    expect(validated.code, validated.stderr).toBe(2);
    expect(validated.stderr).toMatch(
      /^runa-batch: short\.xlsx: this \.xlsx file is damaged \(its XML is not well-formed: 1:100: /m,
    );
    expect(validated.stderr).not.toContain("unexpected error");
    const run = await runCli(["run", "short.xlsx", "--simulate"], { cwd });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^runa-batch: short\.xlsx: this \.xlsx file is damaged/m); // the file as named, not the run's private copy
    expect(run.stdout).toBe("");
  });
});

/** Rewrites the uncompressed size the central directory gives `name`; returns how many entries matched. */
function declareSize(zip: Buffer, name: string, size: number): number {
  let matched = 0;
  for (let at = zip.indexOf(CENTRAL_ENTRY); at !== -1; at = zip.indexOf(CENTRAL_ENTRY, at + 4)) {
    const nameLength = zip.readUInt16LE(at + 28);
    if (zip.toString("utf8", at + 46, at + 46 + nameLength) !== name) continue;
    zip.writeUInt32LE(size, at + 24);
    matched += 1;
  }
  return matched;
}

const CENTRAL_ENTRY = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
