// An append-only JSON-lines file where every record is on disk (fsync) before the caller acts on
// it. A crash can leave a torn last line; reading skips it, because the action it announced never
// started (we only act after append resolves).
import { closeSync, existsSync, fsyncSync, readFileSync, writeSync } from "node:fs";
import { openPrivateFile } from "../csv/safe-file.ts";

export const OWNER_ONLY = 0o600;

export class JournalFile {
  readonly #fd: number;

  private constructor(readonly path: string, fd: number) {
    this.#fd = fd;
  }

  static open(path: string): JournalFile {
    const fd = openPrivateFile(path); // never through a link; narrowed to 0600: it holds links
    const file = new JournalFile(path, fd);
    file.#healTornTail();
    return file;
  }

  /** Writes one record and flushes it to disk. Synchronous on purpose: nothing else may interleave. */
  append(record: object): void {
    writeSync(this.#fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.#fd);
  }

  close(): void {
    closeSync(this.#fd);
  }

  /** A torn last line (no newline) would glue itself to the next record: end it first. */
  #healTornTail(): void {
    const text = readFileSync(this.path, "utf8");
    if (text.length > 0 && !text.endsWith("\n")) {
      writeSync(this.#fd, "\n");
      fsyncSync(this.#fd);
    }
  }
}

/** Every complete, parseable record in order. A torn or garbled line is skipped, not fatal. */
export function readRecords<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const records: T[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      // torn by a crash mid-write: the step it described never went on to act
    }
  }
  return records;
}
