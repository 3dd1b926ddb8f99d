// The error CSV: the invalid rows with their messages, owner-only, atomic, and safe to open in a
// spreadsheet (no cell runs as a formula).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { neutraliseFormula } from "../../src/csv/safe-file.ts";
import { writeErrorCsv } from "../../src/input/error-csv.ts";
import { csvFile, tempDir } from "./helpers.ts";
import { testCatalog } from "./test-catalog.ts";

const options = { catalog: testCatalog(), allowDuplicates: false };

describe("writeErrorCsv", () => {
  it("writes only the invalid rows, row number and error first, then the original cells", async () => {
    const dir = tempDir();
    const input = csvFile(
      [
        "employee_id,amount,currency,product_code,email",
        "E-1,25,USD,AMZ-US,a@example.com",
        'E-2,"10,50",USD,AMZ-US,bob@',
        "E-3,10,USD,TGT-US,c@example.com",
        '"=HYPERLINK(""http://evil"")",-5,USD,AMZ-US,@c@example.com',
      ].join("\r\n"),
      dir,
    );
    const out = join(dir, "out", "rewards.errors.csv");
    expect(await writeErrorCsv(input, options, out, true)).toBe(2);
    const text = readFileSync(out, "utf8");
    expect(text.startsWith("\ufeff")).toBe(true);
    const records = parse(text, { bom: true });
    expect(records).toEqual([
      ["row", "error", "employee_id", "amount", "currency", "product_code", "email"],
      [
        "3",
        'amount: "10,50" uses a decimal comma; use a dot: 10.50; email: "bob@" is not a valid email address',
        "E-2",
        "10,50",
        "USD",
        "AMZ-US",
        "bob@",
      ],
      [
        "5",
        'amount: "-5" is negative; the amount must be greater than 0; email: "@c@example.com" is not a valid email address',
        `'=HYPERLINK("http://evil")`,
        "'-5",
        "USD",
        "AMZ-US",
        "'@c@example.com",
      ],
    ]);
  });

  it("is owner-only (0600) and leaves no temp file behind", async () => {
    const dir = tempDir();
    const input = csvFile("amount,currency,product_code\nten,USD,AMZ-US\n", dir);
    const out = join(dir, "errors.csv");
    await writeErrorCsv(input, options, out, true);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("writes nothing when the input cannot be read", async () => {
    const dir = tempDir();
    const input = csvFile('amount,currency,product_code\n"ten,USD,AMZ-US\n', dir);
    const out = join(dir, "errors.csv");
    await expect(writeErrorCsv(input, options, out, true)).rejects.toThrow("is never closed");
    expect(readdirSync(dir).sort()).toEqual([input.split("/").at(-1)]);
  });
});

describe("neutraliseFormula", () => {
  it.each([
    ["=1+1", "'=1+1"],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcmd", "'\tcmd"],
    ["\rcmd", "'\rcmd"],
    ["plain", "plain"],
    ["a=b", "a=b"],
    ["", ""],
  ])("%j -> %j", (cell, safe) => {
    expect(neutraliseFormula(cell)).toBe(safe);
  });
});
