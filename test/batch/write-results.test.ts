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
        { values: ["OLD", "=HYPERLINK(\"http://evil\")", "10"], result: result({ row: "2", status: "COMPLETED", redemption_url: "https://r.example/x" }) },
        { values: ["OLD", "+1", "-5"], result: result({ row: "3", status: "INVALID", error_message: "@bad" }) },
      ),
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["out.results.csv"]);
    const text = readFileSync(path, "utf8");
    const [header, ...rows] = parse(text) as string[][];
    expect(header).toEqual(["note", "amount", ...RESULT_COLUMNS]);
    expect(rows[0]!.slice(0, 2)).toEqual(["'=HYPERLINK(\"http://evil\")", "10"]);
    expect(rows[0]![header!.indexOf("redemption_url")]).toBe("https://r.example/x");
    expect(rows[1]!.slice(0, 2)).toEqual(["'+1", "'-5"]);
    expect(rows[1]![header!.indexOf("error_message")]).toBe("'@bad");
  });
});
