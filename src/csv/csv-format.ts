// How our CSVs are written so a spreadsheet opens them as the user's own file: in the input's
// delimiter (a European Excel saves, and expects, ";") and with a UTF-8 byte-order mark, without
// which Excel reads UTF-8 as the local code page ("Zoë" shows as "ZoÃ«", "£" as "Â£").
import { stringify, type Stringifier } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";

export interface CsvFormat {
  delimiter: string;
  bom: boolean;
}

/**
 * csv-stringify's options for our files. A cell holding a bare CR is quoted like one holding LF
 * (csv-stringify quotes only the record delimiter unless told): a spreadsheet reading an unquoted CR
 * breaks the row there, which would move a row's redemption link onto a line of its own.
 */
function stringifyOptions(format: CsvFormat) {
  return {
    bom: format.bom,
    delimiter: format.delimiter,
    record_delimiter: "unix",
    quote_record_delimiter: true,
  } as const;
}

export function csvWriter(format: CsvFormat): Stringifier {
  return stringify(stringifyOptions(format));
}

/** A whole small CSV as text, in `format` (for files built in memory, like the template). */
export function formatCsv(rows: readonly (readonly string[])[], format: CsvFormat): string {
  return stringifySync(rows as string[][], stringifyOptions(format));
}

/**
 * One record as a CSV line (newline included), quoted exactly as csvWriter quotes string cells
 * (test/batch/csv-line.test.ts holds the two to the same bytes), for files of a million rows: a
 * cell is quoted only when it holds a quote, the delimiter, LF or CR; a quote inside is doubled; an
 * empty cell stays empty. csv-stringify spends ~3 µs a record on per-cell options and casts that our
 * string cells never need; this spends well under one.
 */
export function csvLine(delimiter: string): (cells: readonly string[]) => string {
  // One character, as --delimiter and the reader allow (csv-stringify also takes longer ones).
  if (delimiter.length !== 1) throw new Error(`a CSV delimiter is one character, got "${delimiter}"`);
  const needsQuotes = new RegExp(`["\\n\\r${delimiter.replace(/[\\\]^-]/g, "\\$&")}]`);
  return (cells) => {
    let line = "";
    for (let at = 0; at < cells.length; at += 1) {
      const cell = cells[at]!;
      if (at > 0) line += delimiter;
      line += needsQuotes.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
    }
    return `${line}\n`;
  };
}

/** What csv-stringify writes first with `bom: true`: the UTF-8 byte-order mark. */
export const UTF8_BOM = "\ufeff";
