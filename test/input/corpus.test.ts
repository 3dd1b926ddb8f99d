// Every malformed file gives exactly the recorded error (row, line, column, message); every messy
// but well-formed file passes; the demo file is fully orderable.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openInput, type CheckedRow } from "../../src/input/check-rows.ts";
import { userSees } from "./corpus.ts";
import { testCatalog } from "./test-catalog.ts";

const INVALID = "fixtures/invalid";
const MESSY = "fixtures/messy";
const csvFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith(".csv"))
    .sort();
const options = () => ({ catalog: testCatalog(), allowDuplicates: false });

async function rowsOf(file: string): Promise<CheckedRow[]> {
  const rows: CheckedRow[] = [];
  for await (const row of (await openInput(file, options())).rows) rows.push(row);
  return rows;
}

describe("the malformed corpus", () => {
  it("has at least 25 files, each with its recorded expectation", () => {
    const files = csvFiles(INVALID);
    expect(files.length).toBeGreaterThanOrEqual(25);
    for (const name of files) expect(readdirSync(INVALID)).toContain(name.replace(/\.csv$/, ".expected.txt"));
  });

  it.each(csvFiles(INVALID))("%s gives the recorded error", async (name) => {
    const expected = readFileSync(join(INVALID, name.replace(/\.csv$/, ".expected.txt")), "utf8").trimEnd();
    expect(expected).not.toBe("");
    expect(await userSees(join(INVALID, name), options())).toBe(expected);
  });
});

describe("messy but well-formed files", () => {
  it.each(csvFiles(MESSY))("%s passes", async (name) => {
    const rows = await rowsOf(join(MESSY, name));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.result, `row ${row.row}`).toMatchObject({ ok: true });
  });

  it("keeps quoted commas, quotes and newlines, and counts lines after them", async () => {
    const rows = await rowsOf(join(MESSY, "quoted-newlines.csv"));
    expect(rows.map((row) => [row.row, row.line])).toEqual([
      [2, 2],
      [3, 4],
    ]);
    expect(rows[0]?.result.ok && rows[0].result.order.description).toBe("Thanks, Alice\nfor the launch");
    expect(rows[1]?.result.ok && rows[1].result.order.description).toBe('He said "great"');
  });

  it("counts physical lines across CRLF inside quotes and blank lines", async () => {
    const crlf = await rowsOf(join(MESSY, "crlf-quoted-newlines.csv"));
    expect(crlf.map((row) => row.line)).toEqual([2, 5]);
    const blank = await rowsOf(join(MESSY, "blank-lines.csv"));
    expect(blank.map((row) => [row.row, row.line])).toEqual([
      [2, 5],
      [3, 8],
    ]);
  });

  it("reads header names whatever their case and spacing, and normalises the cells", async () => {
    const input = await openInput(join(MESSY, "header-case-spaces.csv"), options());
    expect(input.header).toEqual(["Amount", "CURRENCY", "Product Code", "Email", "Distribution"]);
    const [row] = await rowsOf(join(MESSY, "header-case-spaces.csv"));
    expect(row?.result).toMatchObject({
      ok: true,
      order: {
        amount: "25.00",
        currency: "USD",
        products: { type: "SINGLE", value: "AMZ-US" },
        distribution: { type: "EMAIL", email_address: "alice@example.com" },
      },
    });
  });

  it("carries the original cells, one per header column, trailing empty cells dropped", async () => {
    const input = await openInput(join(MESSY, "trailing-empty-columns.csv"), options());
    expect(input.header).toEqual(["amount", "currency", "product_code", "email"]);
    const rows = await rowsOf(join(MESSY, "trailing-empty-columns.csv"));
    expect(rows.map((row) => row.values)).toEqual([
      ["25", "USD", "AMZ-US", "alice@example.com"],
      ["10", "USD", "TGT-US", "bob@example.com"],
      ["12.5", "USD", "STB-US", "carol@example.com"],
    ]);
  });

  it("detects semicolons and tabs from the header, or takes a forced delimiter", async () => {
    expect((await rowsOf(join(MESSY, "semicolons.csv")))[0]?.result).toMatchObject({
      ok: true,
      order: { description: "Merci, vraiment" },
    });
    expect((await rowsOf(join(MESSY, "tabs.csv")))[0]?.result).toMatchObject({ ok: true });
    await expect(openInput(join(MESSY, "semicolons.csv"), { ...options(), delimiter: "," })).rejects.toThrow(
      'the header has no amount column (found: amount;currency;product_code;email;description); the header seems to be separated by ";": check the --delimiter option',
    );
  });
});

describe("the sample file", () => {
  it("has 15 rows, all orderable, in USD, GBP, EUR and CAD, with references and an extra column", async () => {
    const input = await openInput("fixtures/sample-rewards.csv", options());
    expect(input.header).toContain("employee_id");
    const rows = await rowsOf("fixtures/sample-rewards.csv");
    expect(rows).toHaveLength(15);
    const orders = rows.map((row) =>
      row.result.ok ? row.result.order : expect.unreachable(JSON.stringify(row.result)),
    );
    expect(new Set(orders.map((order) => order.currency))).toEqual(new Set(["USD", "GBP", "EUR", "CAD"]));
    expect(orders.filter((order) => order.reference !== undefined).length).toBeGreaterThanOrEqual(2);
    expect(new Set(orders.map((order) => order.distribution.type))).toEqual(new Set(["EMAIL", "PAYOUT_LINK"]));
  });
});
