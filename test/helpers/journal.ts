// Editing a batch's journal in a test (to age it, or to make it look as an older version wrote it),
// read and written exactly as the CLI does: checksummed lines, so the edit is not read as damage.
import { writeFileSync } from "node:fs";
import { encodeLine, readRecords } from "../../src/journal/journal-file.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- journal records of every kind; tests read the fields they check
export function journalRecords(path: string): any[] {
  return [...readRecords<unknown>(path)];
}

export function writeJournal(path: string, records: readonly object[]): void {
  writeFileSync(path, records.map((record) => encodeLine(record)).join(""), { mode: 0o600 });
}
