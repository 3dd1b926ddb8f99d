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

export async function writeResults(path: string, header: readonly string[], lines: AsyncIterable<ResultLine>): Promise<void> {
  const rows = Readable.from(
    (async function* () {
      yield [...header, ...RESULT_COLUMNS];
      for await (const { values, result } of lines) {
        const padded = header.map((_, index) => values[index] ?? "");
        yield [...padded, ...RESULT_COLUMNS.map((column) => result[column])].map(neutraliseFormula);
      }
    })(),
  );
  await writeFileAtomically(path, rows, stringify({ record_delimiter: "unix" }));
}
