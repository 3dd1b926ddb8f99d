// The Runa `metadata` every order carries, so an order seen in Runa's dashboard can be traced to its
// batch and its rows. Runa's limits (OrderMetadata in the 2024-02-05 spec): at most 20 pairs, keys
// up to 40 characters, string values up to 200. It is built once, when the order is planned, and
// journaled inside the body: a re-send uses the journaled bytes, so a new tool version or a moved
// row never changes the body of a key Runa has already seen.
import { packageVersion } from "../package-version.ts";
import type { MemberRow } from "../journal/records.ts";

export const MAX_METADATA_PAIRS = 20;
export const MAX_METADATA_VALUE = 200;

/** Who placed the order: fixed for the life of the process. */
const TOOL = `runa-batch ${packageVersion()}`;

/**
 * `tool`, `batch_id`, then `rows` (spreadsheet row numbers, ranges compressed: "2-11,15") and,
 * when the rows have references, `references`. A list longer than one value continues in `rows_2`,
 * `rows_3`, ...; references that do not fit in the pairs left are summarised by count, first and last.
 */
export function orderMetadata(batchId: string, rows: readonly Pick<MemberRow, "row" | "ref">[]): Record<string, string> {
  const metadata: Record<string, string> = { tool: TOOL, batch_id: clip(batchId) };
  let free = MAX_METADATA_PAIRS - 2;
  const rowValues = pack(rowRanges(rows.map((member) => member.row)));
  const rowList = rowValues.length <= free ? rowValues : [clip(`${rows.length} rows from ${Math.min(...rows.map((m) => m.row))} to ${Math.max(...rows.map((m) => m.row))}`)];
  free -= spread(metadata, "rows", rowList);
  const references = rows.flatMap((member) => (member.ref === undefined ? [] : [member.ref]));
  if (references.length > 0 && free > 0) {
    const referenceValues = pack(references.map(clip));
    const summary = clip(`${references.length} references, first ${references[0]}, last ${references[references.length - 1]}`);
    spread(metadata, "references", referenceValues.length <= free ? referenceValues : [summary]);
  }
  return metadata;
}

/** Sorted row numbers as ranges: [2,3,4,7] -> ["2-4", "7"]. */
function rowRanges(numbers: readonly number[]): string[] {
  const sorted = [...numbers].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let start = 0; start < sorted.length; ) {
    let end = start;
    while (end + 1 < sorted.length && sorted[end + 1]! <= sorted[end]! + 1) end += 1;
    ranges.push(sorted[start] === sorted[end] ? String(sorted[start]) : `${sorted[start]}-${sorted[end]}`);
    start = end + 1;
  }
  return ranges;
}

/** Joins parts with commas into as few values of at most MAX_METADATA_VALUE characters as it can. */
function pack(parts: readonly string[]): string[] {
  const values: string[] = [];
  let current = "";
  for (const part of parts) {
    if (current !== "" && current.length + 1 + part.length > MAX_METADATA_VALUE) {
      values.push(current);
      current = "";
    }
    current = current === "" ? part : `${current},${part}`;
  }
  if (current !== "") values.push(current);
  return values;
}

/** Writes values under `name`, `name_2`, ...; returns how many pairs it used. */
function spread(metadata: Record<string, string>, name: string, values: readonly string[]): number {
  values.forEach((value, index) => (metadata[index === 0 ? name : `${name}_${index + 1}`] = value));
  return values.length;
}

function clip(text: string): string {
  if (text.length <= MAX_METADATA_VALUE) return text;
  let end = MAX_METADATA_VALUE - 3;
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1; // never split a character in two
  return `${text.slice(0, end)}...`;
}
