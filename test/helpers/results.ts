// Reads a results CSV back as records, for cell-by-cell assertions.
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";

export function readResults(path: string): Record<string, string>[] {
  return parse<Record<string, string>>(readFileSync(path), { bom: true, columns: true, skip_empty_lines: true });
}
