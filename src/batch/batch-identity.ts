// Which file a batch is: every run records the input it read (path, size, content hash, time), and a
// batch is continued only from the file it was started with. Otherwise a file name reused next
// month (oct/rewards.csv, then nov/rewards.csv) would find October's journal, and its rows would
// be silently taken as paid.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import type { JournalState } from "../journal/journal-state.ts";
import type { RunInput } from "../journal/records.ts";
import { OWNER_ONLY_FILE } from "../csv/safe-file.ts";
import { UsageError } from "../errors.ts";

/** A changed file is taken as the same batch (rows fixed or added) within this long of the batch's last run. */
export const CONTINUE_WINDOW_DAYS = 7;
const DAY_MS = 24 * 60 * 60_000;

export interface InputSnapshot {
  /** The private copy every pass of the run reads. */
  path: string;
  input: RunInput;
  /** Removes the copy (it holds the file's emails). */
  remove(): void;
}

/**
 * Copies the input into a private folder, hashing it on the way. Every pass of the run reads the
 * copy: a file rewritten while the run is under way cannot slip an edited row past the checks,
 * which ran on the copy.
 */
export async function snapshotInput(file: string): Promise<InputSnapshot> {
  const folder = mkdtempSync(join(tmpdir(), "runa-batch-input-"));
  const path = join(folder, basename(file));
  const remove = () => rmSync(folder, { recursive: true, force: true });
  try {
    const source = await open(file, "r");
    const stat = await source.stat();
    const hash = createHash("sha256");
    let size = 0;
    const target = await open(path, "wx", OWNER_ONLY_FILE);
    await pipeline(
      source.createReadStream(),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      target.createWriteStream(),
    );
    return {
      path,
      remove,
      input: { path: resolve(file), size, sha256: hash.digest("hex"), mtime: stat.mtime.toISOString() },
    };
  } catch (error) {
    remove();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EACCES" || code === "EISDIR")
      throw new UsageError(`${file}: cannot read the file (${code})`, "usage", { cause: error });
    // Reading went wrong, or writing the copy did (a full temporary folder): nothing was sent either way.
    throw new UsageError(
      `${file}: cannot take the private copy every pass of the run reads, in ${folder}${code ? ` (${code})` : ""}; nothing was sent. Free space there, or point TMPDIR at a folder with room.`,
      "usage",
      { cause: error },
    );
  }
}

/**
 * Why this run may not continue the batch, or undefined when it may:
 * - the same file, unchanged: always (a resumed or repeated run);
 * - the same path, changed (rows fixed or added): within CONTINUE_WINDOW_DAYS of the last run;
 * - another path, same bytes (the file was moved): within the window too;
 * - anything else looks like another period's file under a reused batch id.
 * A journal from before runs were recorded has no runs to compare: it is continued as before.
 */
export function continuationRefusal(
  journal: JournalState,
  input: RunInput,
  batchId: string,
  now: number,
): string | undefined {
  const last = journal.runs.at(-1);
  if (!last) return undefined;
  const samePath = last.input.path === input.path;
  const sameBytes = journal.runs.some((run) => run.input.sha256 === input.sha256);
  const recent = now - Date.parse(last.at) <= CONTINUE_WINDOW_DAYS * DAY_MS;
  if (samePath && last.input.sha256 === input.sha256 && last.input.mtime === input.mtime) return undefined;
  if (recent && (samePath || sameBytes)) return undefined;
  const what = !samePath
    ? `this run reads another file, ${input.path}`
    : sameBytes
      ? "the file was rewritten since"
      : "the file's content has changed since";
  const month = new Date(now).toISOString().slice(0, 7);
  return (
    `batch "${batchId}" was last run on ${last.at.slice(0, 10)} from ${last.input.path}; ${what}${recent ? "" : `, over ${CONTINUE_WINDOW_DAYS} days later`}. ` +
    `Its rows may be another period's payments, which this batch's journal would take as already paid. Nothing was sent. ` +
    `If this file is a new period, give it a batch id of its own (the same one on every re-run), e.g. --batch-id ${suggestedId(batchId, month)}. ` +
    `If it really is the same batch (rows fixed or added), pass --continue-batch.`
  );
}

function suggestedId(batchId: string, month: string): string {
  const stem = batchId.replace(/[^A-Za-z0-9._-]/g, "-").replace(/-?\d{4}-\d{2}$/, "") || "rewards";
  return `${stem}-${month}`;
}
