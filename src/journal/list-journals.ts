// Where to find every journal of an environment, for commands that look across batches
// (reconcile). Journals are `<batch>.journal.jsonl` files (see batchStateFiles) in one state folder.
import { readdirSync } from "node:fs";
import { join } from "node:path";

const JOURNAL_SUFFIX = ".journal.jsonl";

/** Paths of the journals in `directory`, sorted; none when the directory does not exist. */
export function listJournals(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(JOURNAL_SUFFIX))
      .map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names.sort().map((name) => join(directory, name));
}
