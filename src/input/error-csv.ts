// The error CSV: the invalid rows of a file, each with what is wrong with it, for the person who fixes it.
import { existsSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { neutraliseFormula, writeFileAtomically } from "../csv/safe-file.ts";
import { openInput, type CheckedRow, type InputOptions } from "./check-rows.ts";
import { formatProblem } from "./validation-report.ts";

/**
 * Writes the invalid rows for the person who fixes the file: `row` (as the spreadsheet numbers it)
 * and `error` first, then the original columns. Only invalid rows: row numbers point into the
 * original, which stays the file to fix, so nobody re-submits a copy altered by the formula guard.
 * Owner-only (0600), UTF-8 with a BOM (Excel reads it right), atomic (temp file + fsync + rename).
 * Returns the number of rows written.
 */
export async function writeErrorCsv(file: string, options: InputOptions, out: string, bom: boolean): Promise<number> {
  const input = await openInput(file, options);
  await mkdir(dirname(out), { recursive: true });
  let written = 0;
  const records = Readable.from(
    (async function* () {
      yield ["row", "error", ...input.header].map(neutraliseFormula); // a header is a cell too
      for await (const row of input.rows) {
        if (row.result.ok) continue;
        written++;
        yield [String(row.row), errorCell(row), ...row.values].map(neutraliseFormula);
      }
    })(),
  );
  // csv-stringify is loaded only when an error CSV is written, not by every validate.
  const { csvWriter } = await import("../csv/csv-format.ts");
  await writeFileAtomically(out, records, csvWriter({ delimiter: input.delimiter, bom }));
  return written;
}

/**
 * Removes the error CSV an earlier check left at `out`, now that the file is valid: a stale one would
 * say rows are wrong that are not. True when there was one.
 */
export function removeStaleErrorCsv(out: string): boolean {
  if (!existsSync(out)) return false;
  rmSync(out, { force: true });
  return true;
}

function errorCell(row: CheckedRow): string {
  return row.result.ok ? "" : row.result.problems.map(formatProblem).join("; ");
}
