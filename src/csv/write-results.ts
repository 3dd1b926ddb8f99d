// The results CSV: one line per input data row, in input order: the input columns untouched, then
// what happened to the row.
import { Readable } from "node:stream";
import { csvLine, UTF8_BOM, type CsvFormat } from "./csv-format.ts";
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
  "superseded_order_ids",
] as const;

/** The columns every results file has carried since the first version: a file with all of them is one of ours. */
const RESULTS_FILE_COLUMNS: readonly string[] = RESULT_COLUMNS.slice(0, 10);

export type RowStatus = "COMPLETED" | "FAILED" | "REJECTED" | "PENDING" | "INVALID" | "ERROR" | "NOT_SENT";

export type ResultFields = Record<(typeof RESULT_COLUMNS)[number], string> & { status: RowStatus };

export interface ResultLine {
  values: string[];
  result: ResultFields;
}

/** Result lines one at a time, or a batch at a time (a run's results pass: one await per batch, not per row). */
export type ResultLines = AsyncIterable<ResultLine> | AsyncIterable<readonly ResultLine[]>;

/** `lines` as batches, whichever way they come. */
export async function* batchesOf(lines: ResultLines): AsyncGenerator<readonly ResultLine[]> {
  for await (const item of lines as AsyncIterable<ResultLine | readonly ResultLine[]>)
    yield "result" in item ? [item] : item;
}

/**
 * The input columns and the names they are written under. A column named like a result column is
 * the user's own data (their `Status`, their `Price`): it is kept, renamed `input_<name>`. Only a
 * file that is recognisably one of our results files (it has every result column this tool has
 * always written) gives its old result columns up to the fresh ones, so no name appears twice.
 */
export function inputColumns(header: readonly string[]): { name: string; index: number }[] {
  const normalised = header.map((name) => name.trim().toLowerCase());
  const resultNames = new Set<string>(RESULT_COLUMNS);
  const ours = RESULTS_FILE_COLUMNS.every((column) => normalised.includes(column));
  const taken = new Set([...normalised, ...resultNames]);
  const columns: { name: string; index: number }[] = [];
  header.forEach((name, index) => {
    if (!resultNames.has(normalised[index]!)) columns.push({ name, index });
    else if (!ours) columns.push({ name: freeName(`input_${name.trim()}`, taken), index });
  });
  return columns;
}

/** `wanted`, or `wanted_2`, `wanted_3`, ... : the first not already a column name. */
function freeName(wanted: string, taken: Set<string>): string {
  let name = wanted;
  for (let n = 2; taken.has(name.toLowerCase()); n += 1) name = `${wanted}_${n}`;
  taken.add(name.toLowerCase());
  return name;
}

export async function writeResults(
  path: string,
  header: readonly string[],
  lines: ResultLines,
  format: CsvFormat,
): Promise<void> {
  const kept = inputColumns(header);
  const line = csvLine(format.delimiter);
  const first = line([...kept.map(({ name }) => name), ...RESULT_COLUMNS].map(neutraliseFormula)); // a header is a cell too
  const cells: string[] = [];
  const text = inChunks(lines, format.bom ? UTF8_BOM + first : first, ({ values, result }) => {
    cells.length = 0;
    for (const { index } of kept) cells.push(neutraliseFormula(values[index] ?? ""));
    for (const column of RESULT_COLUMNS) cells.push(neutraliseFormula(result[column]));
    return line(cells);
  });
  await writeFileAtomically(path, Readable.from(text));
}

/** Characters handed to the file at once: a write per ~64 KB, not a stream object per row. */
const CHUNK_CHARS = 1 << 16;

/**
 * `first`, then each line's text, in chunks of about CHUNK_CHARS. A line that fails ends the
 * iteration with its error: writeFileAtomically then leaves no file, as with a stream per row.
 */
export async function* inChunks(
  lines: ResultLines,
  first: string,
  text: (line: ResultLine) => string,
): AsyncGenerator<string> {
  let chunk = first;
  for await (const batch of batchesOf(lines)) {
    for (const line of batch) {
      chunk += text(line);
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = "";
      }
    }
  }
  if (chunk !== "") yield chunk;
}
