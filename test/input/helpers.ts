// Temp files for input tests.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openInput, type CheckedRow, type InputOptions } from "../../src/input/check-rows.ts";

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "runa-batch-input-"));
}

let counter = 0;
export function csvFile(content: string | Buffer, dir = tempDir()): string {
  const file = join(dir, `input-${counter++}.csv`);
  writeFileSync(file, content);
  return file;
}

export async function checkAll(file: string, options: InputOptions): Promise<CheckedRow[]> {
  const rows: CheckedRow[] = [];
  for await (const row of (await openInput(file, options)).rows) rows.push(row);
  return rows;
}

/** The fingerprints of a file's rows, in order; fails on an invalid row. */
export async function fingerprints(file: string, options: InputOptions): Promise<string[]> {
  return (await checkAll(file, options)).map((row) => {
    if (!row.result.ok) throw new Error(`row ${row.row}: ${JSON.stringify(row.result.problems)}`);
    return row.result.order.fingerprint;
  });
}
