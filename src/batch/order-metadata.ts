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
 * `tool`, `batch_id`, then the rows paid: a row with a reference by its `references` entry (the
 * user's own id, which stays put when rows move, so a re-run without the journal rebuilds the same
 * body), a row without one by its spreadsheet row number under `rows` (ranges compressed:
 * "2-11,15"). A list longer than one value continues in `rows_2`, `references_2`, ...; a list that
 * does not fit in the pairs left is summarised by count, first and last.
 */
export function orderMetadata(
  batchId: string,
  rows: readonly Pick<MemberRow, "row" | "ref">[],
): Record<string, string> {
  const metadata: Record<string, string> = { tool: TOOL, batch_id: clip(batchId) };
  let free = MAX_METADATA_PAIRS - 2;
  const numbers = rows.flatMap((member) => (member.ref === undefined ? [member.row] : []));
  const references = rows.flatMap((member) => (member.ref === undefined ? [] : [member.ref]));
  if (numbers.length > 0) {
    const values = pack(rowRanges(numbers));
    const room = free - (references.length > 0 ? 1 : 0);
    free -= spread(
      metadata,
      "rows",
      values.length <= room
        ? values
        : [clip(`${numbers.length} rows from ${Math.min(...numbers)} to ${Math.max(...numbers)}`)],
    );
  }
  if (references.length > 0) {
    const values = pack(references.map(clip));
    spread(
      metadata,
      "references",
      values.length <= free
        ? values
        : [clip(`${references.length} references, first ${references[0]}, last ${references[references.length - 1]}`)],
    );
  }
  return metadata;
}

/** Sorted row numbers as ranges: [2,3,4,7] -> ["2-4", "7"]. */
function rowRanges(numbers: readonly number[]): string[] {
  const sorted = [...numbers].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let start = 0; start < sorted.length;) {
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
