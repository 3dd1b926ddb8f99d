// Structural faults stop reading with the line named; chunk boundaries never change an answer.
import { describe, expect, it } from "vitest";
import { openInput } from "../../src/input/check-rows.ts";
import { MAX_RECORD_CHARS, openRecords } from "../../src/csv/read-records.ts";
import { InputFileError } from "../../src/errors.ts";
import { checkAll, csvFile } from "./helpers.ts";
import { testCatalog } from "./test-catalog.ts";

const options = { catalog: testCatalog(), allowDuplicates: true };
const HEADER = "amount,currency,product_code,email,description\n";
const row = (n: number, description = "") => `25,USD,AMZ-US,user${n}@example.com,${description}\n`;

async function failure(promise: Promise<unknown>): Promise<InputFileError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputFileError);
  return error as InputFileError;
}

describe("reading large files in chunks", () => {
  it("names the right line for a Latin-1 byte far past the first chunk", async () => {
    const lines = Array.from({ length: 20_000 }, (_, n) => row(n, "Caf\u00e9 cr\u00e8me"));
    const bad = Buffer.from(row(20_000, "Fran\u00e7ois"), "latin1");
    const file = csvFile(
      Buffer.concat([Buffer.from(HEADER + lines.join(""), "utf8"), bad, Buffer.from(row(20_001), "utf8")]),
    );
    const error = await failure(checkAll(file, options));
    expect(error.line).toBe(20_002);
    expect(error.message).toContain("is not UTF-8 text (byte 0xE7)");
  });

  it("reads multi-byte characters split across chunk boundaries", async () => {
    const description = "\u00e9\u20ac\u{1F381}".repeat(10); // 2-, 3- and 4-byte characters
    const file = csvFile(HEADER + Array.from({ length: 10_000 }, (_, n) => row(n, description)).join(""));
    const rows = await checkAll(file, options);
    expect(rows).toHaveLength(10_000);
    expect(rows.every((checked) => checked.result.ok && checked.result.order.description === description)).toBe(true);
    expect(rows.at(-1)?.line).toBe(10_001);
  });

  it("bounds a record that never ends (an unclosed quote swallowing the file)", async () => {
    const file = csvFile(HEADER + row(1) + `25,USD,AMZ-US,a@example.com,"${"x, y\n".repeat(MAX_RECORD_CHARS / 4)}`);
    const error = await failure(checkAll(file, options));
    expect(error.line).toBe(3);
    expect(error.message).toContain(`the record starting on line 3 is longer than ${MAX_RECORD_CHARS} characters`);
  });

  it("bounds a single line without any line break", async () => {
    const file = csvFile(HEADER + "x".repeat(MAX_RECORD_CHARS * 5));
    const error = await failure(checkAll(file, options));
    expect(error.message).toContain("line 2 is longer than");
  });

  it("a missing file is an InputFileError, not a stack trace", async () => {
    const error = await failure(openInput("/nonexistent/rewards.csv", options));
    expect(error.message).toBe("/nonexistent/rewards.csv: cannot read the file: no such file");
  });

  it("skips blank lines before the header and numbers the header's line", async () => {
    const source = await openRecords(csvFile(`\n\n${HEADER}${row(1)}`));
    expect(source.headerLine).toBe(3);
    const records = [];
    for await (const batch of source.records) records.push(...batch);
    expect(records.map((record) => record.line)).toEqual([4]);
  });
});
