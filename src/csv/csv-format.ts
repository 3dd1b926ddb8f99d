// How our CSVs are written so a spreadsheet opens them as the user's own file: in the input's
// delimiter (a European Excel saves, and expects, ";") and with a UTF-8 byte-order mark, without
// which Excel reads UTF-8 as the local code page ("Zoë" shows as "ZoÃ«", "£" as "Â£").
import { stringify, type Stringifier } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";

export interface CsvFormat {
  delimiter: string;
  bom: boolean;
}

export function csvWriter(format: CsvFormat): Stringifier {
  return stringify({ bom: format.bom, delimiter: format.delimiter, record_delimiter: "unix" });
}

/** A whole small CSV as text, in `format` (for files built in memory, like the template). */
export function formatCsv(rows: readonly (readonly string[])[], format: CsvFormat): string {
  return stringifySync(rows as string[][], { bom: format.bom, delimiter: format.delimiter, record_delimiter: "unix" });
}
