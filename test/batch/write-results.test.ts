import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { RESULT_COLUMNS, writeResults, type ResultFields, type ResultLine } from "../../src/csv/write-results.ts";

const result = (fields: Partial<ResultFields>): ResultFields => ({
  ...(Object.fromEntries(RESULT_COLUMNS.map((column) => [column, ""])) as ResultFields),
  status: "COMPLETED",
  ...fields,
});

/** Without the BOM, so the tests parse the text as written. */
const PLAIN_CSV = { delimiter: ",", bom: false };

async function* lines(...items: ResultLine[]): AsyncGenerator<ResultLine> {
  yield* items;
}

describe("writeResults", () => {
  it("writes owner-only, whole, with formulas neutralised and no column named twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "results-"));
    const path = join(dir, "out.results.csv");
    await writeResults(
      path,
      ["Status", "note", "amount"],
      lines(
        {
          values: ["OLD", '=HYPERLINK("http://evil")', "10"],
          result: result({ row: "2", status: "COMPLETED", redemption_url: "https://r.example/x" }),
        },
        { values: ["OLD", "+1", "-5"], result: result({ row: "3", status: "INVALID", error_message: "@bad" }) },
      ),
      PLAIN_CSV,
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["out.results.csv"]);
    const text = readFileSync(path, "utf8");
    const [header, ...rows] = parse(text);
    expect(header).toEqual(["input_Status", "note", "amount", ...RESULT_COLUMNS]);
    expect(rows[0]!.slice(0, 3)).toEqual(["OLD", '\'=HYPERLINK("http://evil")', "10"]);
    expect(rows[0]![header!.indexOf("redemption_url")]).toBe("https://r.example/x");
    expect(rows[1]!.slice(0, 3)).toEqual(["OLD", "'+1", "'-5"]);
    expect(rows[1]![header!.indexOf("error_message")]).toBe("'@bad");
  });

  it("keeps an input column named like a result column under a name of its own (case-insensitively free), cell by cell", async () => {
    const dir = mkdtempSync(join(tmpdir(), "results-"));
    const path = join(dir, "out.results.csv");
    await writeResults(
      path,
      ["name", "Status", " price ", "input_status", "Order_ID"],
      lines({
        values: ["Ann", "manager", "team A", "x", "PO-77"],
        result: result({ row: "2", status: "COMPLETED", price: "9.50", order_id: "O-1" }),
      }),
      PLAIN_CSV,
    );
    const [header, row] = parse(readFileSync(path, "utf8"));
    expect(header).toEqual([
      "name",
      "input_Status_2",
      "input_price",
      "input_status",
      "input_Order_ID",
      ...RESULT_COLUMNS,
    ]);
    expect(row).toEqual([
      "Ann",
      "manager",
      "team A",
      "x",
      "PO-77",
      ...RESULT_COLUMNS.map(
        (column) => result({ row: "2", status: "COMPLETED", price: "9.50", order_id: "O-1" })[column],
      ),
    ]);
  });

  it("renames twice over when input_<name> is taken too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "results-"));
    const path = join(dir, "out.results.csv");
    await writeResults(
      path,
      ["status", "input_status", "input_status_2"],
      lines({ values: ["a", "b", "c"], result: result({ row: "2" }) }),
      PLAIN_CSV,
    );
    const [header, row] = parse(readFileSync(path, "utf8"));
    expect(header!.slice(0, 4)).toEqual(["input_status_3", "input_status", "input_status_2", "row"]);
    expect(row!.slice(0, 4)).toEqual(["a", "b", "c", "2"]);
  });

  it("lets an earlier results file's result columns give way to the fresh ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "results-"));
    const path = join(dir, "out.results.csv");
    // a results file from before superseded_order_ids existed is still recognised as ours
    const old = [
      "row",
      "idempotency_key",
      "order_id",
      "status",
      "redemption_url",
      "payout_status",
      "expiry_date",
      "price",
      "error_type",
      "error_message",
    ];
    await writeResults(
      path,
      ["email", ...old.map((column) => column.toUpperCase())],
      lines({
        values: ["a@example.com", "2", "k-old", "O-old", "FAILED", "", "", "", "", "order_failed", "old"],
        result: result({ row: "2", order_id: "O-new", idempotency_key: "k-new" }),
      }),
      PLAIN_CSV,
    );
    const [header, row] = parse(readFileSync(path, "utf8"));
    expect(header).toEqual(["email", ...RESULT_COLUMNS]);
    expect(row).toEqual([
      "a@example.com",
      ...RESULT_COLUMNS.map((column) => result({ row: "2", order_id: "O-new", idempotency_key: "k-new" })[column]),
    ]);
  });
});
