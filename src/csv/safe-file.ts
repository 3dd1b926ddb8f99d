// Files that hold redemption links are cash: owner-only, and written whole or not at all.
import { createWriteStream, fsyncSync, openSync, closeSync, renameSync, rmSync, chmodSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Readable, Transform } from "node:stream";

export const OWNER_ONLY_FILE = 0o600;

/**
 * Streams `source` (through `transforms`, e.g. a CSV stringifier) into `path` through a temp file
 * beside it, fsyncs it, then renames it into place, so a reader (or a crash) never sees half a
 * file. A failing source leaves no file at all.
 */
export async function writeFileAtomically(path: string, source: Readable, ...transforms: Transform[]): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await pipeline([source, ...transforms, createWriteStream(temporary, { mode: OWNER_ONLY_FILE })]);
    chmodSync(temporary, OWNER_ONLY_FILE); // in case an older temp file kept wider permissions
    const fd = openSync(temporary, "r");
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading apostrophe.
 * OWASP's advice for CSV injection; links and amounts never start with these characters.
 */
export function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}
