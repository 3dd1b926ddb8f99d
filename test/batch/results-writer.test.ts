// The results sink: each writer counts what it writes (the summary's only source), and the JSON-lines
// writer keeps the CSV's fields in the CSV's order, verbatim, owner-only and whole.
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { resultsWriter, ResultTally, type ResultsFormat } from "../../src/batch/results-writer.ts";
import { STUCK_KEY } from "../../src/batch/plan-row.ts";
import { RESULT_COLUMNS, type ResultFields, type ResultLine } from "../../src/csv/write-results.ts";

const result = (fields: Partial<ResultFields>): ResultFields => ({
  ...(Object.fromEntries(RESULT_COLUMNS.map((column) => [column, ""])) as ResultFields),
  status: "COMPLETED",
  ...fields,
});

async function* lines(...items: ResultLine[]): AsyncGenerator<ResultLine> {
  yield* items;
}

const tempPath = (name: string): string => join(mkdtempSync(join(tmpdir(), "results-writer-")), name);

describe("ResultTally", () => {
  it("counts every status and groups the rest by status and error type, listing ten rows (every stuck one)", () => {
    const tally = new ResultTally();
    tally.add(result({ row: "2" }));
    for (let row = 3; row < 18; row += 1)
      tally.add(result({ row: String(row), status: "REJECTED", error_type: "invalid_product" }));
    for (let row = 18; row < 31; row += 1)
      tally.add(result({ row: String(row), status: "ERROR", error_type: STUCK_KEY }));
    tally.add(result({ row: "31", status: "PENDING", error_type: "interrupted" }));
    tally.add(result({ row: "32", status: "REJECTED", error_type: "insufficient_funds" }));
    const counts = tally.counts();
    expect(counts.statuses).toEqual({
      COMPLETED: 1,
      FAILED: 0,
      REJECTED: 16,
      PENDING: 1,
      INVALID: 0,
      ERROR: 13,
      NOT_SENT: 0,
    });
    expect(counts.problems).toEqual([
      {
        status: "REJECTED",
        errorType: "invalid_product",
        count: 15,
        rows: ["3", "4", "5", "6", "7", "8", "9", "10", "11", "12"],
      },
      {
        status: "ERROR",
        errorType: STUCK_KEY,
        count: 13,
        rows: Array.from({ length: 13 }, (_, i) => String(18 + i)),
      },
      { status: "PENDING", errorType: "interrupted", count: 1, rows: ["31"] },
      { status: "REJECTED", errorType: "insufficient_funds", count: 1, rows: ["32"] },
    ]);
  });
});

describe("resultsWriter", () => {
  const written = [
    { values: ["=1+1", "a", "x", "2024-q1", "n1", "n2"], result: result({ row: "2", price: "9.50" }) },
    {
      values: ["+7", "b", "y", "2024-q2", "", "n3"],
      result: result({ row: "3", status: "FAILED", error_type: "order_failed", error_message: "-no" }),
    },
  ];
  // a column named like a number, one repeated, one unnamed: none checked by the input rules
  const header = ["formula", "name", "", "2024", "note", "note"];

  it.each<ResultsFormat>(["csv", "jsonl"])(
    "%s: counts what it writes and writes it owner-only, whole",
    async (format) => {
      const path = tempPath(`out.results.${format}`);
      const counts = await resultsWriter(format, { bom: false }).write(
        path,
        { header, delimiter: "," },
        lines(...written),
      );
      expect(counts.statuses.COMPLETED).toBe(1);
      expect(counts.statuses.FAILED).toBe(1);
      expect(counts.problems).toEqual([{ status: "FAILED", errorType: "order_failed", count: 1, rows: ["3"] }]);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readdirSync(join(path, ".."))).toEqual([`out.results.${format}`]);
    },
  );

  it("jsonl: the CSV's columns as keys in the CSV's order, distinct, with the values verbatim", async () => {
    const csvPath = tempPath("out.csv");
    await resultsWriter("csv", { bom: false }).write(csvPath, { header, delimiter: "," }, lines(...written));
    const [csvHeader] = parse(readFileSync(csvPath));
    const path = tempPath("out.jsonl");
    await resultsWriter("jsonl", { bom: false }).write(path, { header, delimiter: "," }, lines(...written));
    const text = readFileSync(path, "utf8");
    const [first, second] = text.split("\n");
    expect(text.split("\n")).toHaveLength(3); // two lines, each ended
    const keys = [...first!.matchAll(/(?:^\{|,)("(?:[^"\\]|\\.)*"):/g)].map((match) => JSON.parse(match[1]!) as string);
    // the CSV repeats "note" and leaves a name blank; a JSON object cannot, so those two are renamed
    expect(csvHeader).toEqual(["formula", "name", "", "2024", "note", "note", ...RESULT_COLUMNS]);
    expect(keys).toEqual(["formula", "name", "column_3", "2024", "note", "note_2", ...RESULT_COLUMNS]);
    expect(JSON.parse(first!)).toMatchObject({
      formula: "=1+1",
      "2024": "2024-q1",
      note: "n1",
      note_2: "n2",
      price: "9.50",
    });
    expect(JSON.parse(second!)).toMatchObject({ formula: "+7", status: "FAILED", error_message: "-no", note: "" });
  });

  it("jsonl: a source that fails leaves no file at all", async () => {
    const path = tempPath("out.jsonl");
    async function* failing(): AsyncGenerator<ResultLine> {
      yield written[0]!;
      throw new Error("journal unreadable");
    }
    await expect(
      resultsWriter("jsonl", { bom: false }).write(path, { header, delimiter: "," }, failing()),
    ).rejects.toThrow("journal unreadable");
    expect(readdirSync(join(path, ".."))).toEqual([]);
  });
});
