// The results file's own CSV line writer must quote exactly as csv-stringify does, byte for byte: it
// replaced csv-stringify on the million-row path, and the results tests compare cells.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvLine, formatCsv } from "../../src/csv/csv-format.ts";

/** What --delimiter and the reader allow, and characters that mean something inside a regex class. */
const DELIMITERS = [",", ";", "\t", "|", "^", "]", "-", "\\", ".", "$", "'", "€"];
/** Characters that decide quoting, often enough to meet each other in one cell. */
const PIECES = ['"', ",", ";", "\t", "\n", "\r", "\r\n", "|", "^", "]", "-", "\\", "'", "=", "€", "a", " ", "😀"];

const cell = fc.oneof(
  fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 8 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
);

describe("csvLine", () => {
  it("writes any record as csv-stringify does, for every delimiter the tool accepts", () => {
    fc.assert(
      fc.property(fc.constantFrom(...DELIMITERS), fc.array(cell, { maxLength: 12 }), (delimiter, cells) => {
        expect(csvLine(delimiter)(cells)).toBe(formatCsv([cells], { delimiter, bom: false }));
      }),
      { numRuns: 2_000 },
    );
  });

  it("quotes what must be quoted and leaves the rest bare", () => {
    const line = csvLine(";");
    expect(line(["a", "", 'say "hi"', "x;y", "a,b", "two\nlines", "cr\r", "=1"])).toBe(
      'a;;"say ""hi""";"x;y";a,b;"two\nlines";"cr\r";=1\n',
    );
  });
});
