// The results as JSON lines, for programs rather than spreadsheets: one object per input data row, in
// input order, its keys the results CSV's columns in the same order. Values are written verbatim: a
// JSON string is never run as a formula, so the CSV's guarding apostrophe would only alter the data.
import { Readable } from "node:stream";
import { inChunks, inputColumns, RESULT_COLUMNS, type ResultLines } from "./write-results.ts";
import { writeFileAtomically } from "./safe-file.ts";

export async function writeResultsJsonl(path: string, header: readonly string[], lines: ResultLines): Promise<void> {
  const kept = inputColumns(header);
  const keys = distinctKeys(kept)
    .concat(RESULT_COLUMNS)
    .map((key) => JSON.stringify(key));
  const objects = inChunks(lines, "", ({ values, result }) => {
    const cells = [...kept.map(({ index }) => values[index] ?? ""), ...RESULT_COLUMNS.map((column) => result[column])];
    // Built by hand: an object would move keys that look like numbers ("2024") to the front.
    return `{${keys.map((key, at) => `${key}:${JSON.stringify(cells[at])}`).join(",")}}\n`;
  });
  await writeFileAtomically(path, Readable.from(objects));
}

/**
 * The input columns' names as JSON keys, each once: a CSV may repeat a column it does not check (two
 * "note" columns) or leave one unnamed, but an object with a key twice loses one of the values. The
 * second "note" becomes "note_2"; an unnamed column "column_<n>", n its place in the input.
 */
function distinctKeys(columns: readonly { name: string; index: number }[]): string[] {
  const taken = new Set<string>(RESULT_COLUMNS);
  return columns.map(({ name, index }) => {
    const wanted = name.trim() === "" ? `column_${index + 1}` : name;
    let key = wanted;
    for (let n = 2; taken.has(key); n += 1) key = `${wanted}_${n}`;
    taken.add(key);
    return key;
  });
}
