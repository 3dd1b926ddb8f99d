// The results CSV: one line per input data row, in input order: the input columns untouched, then
// what happened to the row.
import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import { neutraliseFormula, writeFileAtomically } from "./safe-file.ts";

export const RESULT_COLUMNS = [
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
] as const;

export type RowStatus = "COMPLETED" | "FAILED" | "REJECTED" | "PENDING" | "INVALID" | "ERROR" | "NOT_SENT";

export type ResultFields = Record<(typeof RESULT_COLUMNS)[number], string> & { status: RowStatus };

export interface ResultLine {
  values: string[];
  result: ResultFields;
}

/**
 * Input columns named like a result column (say the input is an earlier results file) are left
 * out: the fresh result takes their place, so no column name appears twice.
 */
export async function writeResults(path: string, header: readonly string[], lines: AsyncIterable<ResultLine>): Promise<void> {
  const resultNames = new Set<string>(RESULT_COLUMNS);
  const kept = header.map((name, index) => ({ name, index })).filter(({ name }) => !resultNames.has(name.trim().toLowerCase()));
  const rows = Readable.from(
    (async function* () {
      yield [...kept.map(({ name }) => name), ...RESULT_COLUMNS].map(neutraliseFormula); // a header is a cell too
      for await (const { values, result } of lines) {
        yield [...kept.map(({ index }) => values[index] ?? ""), ...RESULT_COLUMNS.map((column) => result[column])].map(neutraliseFormula);
      }
    })(),
  );
  await writeFileAtomically(path, rows, stringify({ record_delimiter: "unix" }));
}
