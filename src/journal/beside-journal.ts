// Files a run leaves beside a batch's journal for `status` (the digest of its counts, the snapshot
// of its folded state). Each is used only while the journal is provably the one it was made from:
// same file (device, inode), same size, same modification and change times to the nanosecond, and
// the same last 64 KiB. Any write to the journal since (a later run, a kill -9 mid-run, a restored
// or edited file) changes its change time, so status folds the journal again: the journal is the
// truth, never what lies beside it. Such a file is one checksummed line (encodeLine) naming the
// journal, then, if any, binary data whose length and crc32 that line holds.
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
  type BigIntStats,
} from "node:fs";
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { openPrivateFile, READ_NO_FOLLOW } from "../csv/safe-file.ts";
import { decodeCheckedLine, encodeLine } from "./journal-file.ts";

const TAIL_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

/** What tells this journal, byte for byte as it is now, from any other state of it. */
interface JournalIdentity {
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  tailSha256: string;
}

/**
 * Writes `header` (with the journal's identity added) and `data` to `path` through a temp file, so
 * a reader finds all of it or nothing. The caller holds the batch's lock and has closed the journal.
 * An older file at `path` is removed first: a failure here leaves none rather than a stale one.
 */
export function saveBesideJournal(
  path: string,
  journalPath: string,
  header: object,
  data: readonly Buffer[] = [],
): void {
  rmSync(path, { force: true });
  const journal = identify(journalPath);
  if (!journal) return;
  const bytes = data.reduce((sum, chunk) => sum + chunk.length, 0);
  const crc = data.reduce((sum, chunk) => crc32(chunk, sum), 0);
  const temporary = `${path}.writing`;
  rmSync(temporary, { force: true });
  const fd = openPrivateFile(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
  );
  try {
    const line = encodeLine({ ...header, journal, ...(bytes > 0 ? { data: { bytes, crc } } : {}) });
    for (const chunk of [Buffer.from(line, "utf8"), ...data]) writeAll(fd, chunk);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/**
 * The header and data saved at `path` by saveBesideJournal, only if the journal at `journalPath` is
 * exactly as it was then and nothing saved was damaged; otherwise undefined (fold the journal).
 */
export function loadBesideJournal(
  path: string,
  journalPath: string,
): { header: Record<string, unknown>; data: Buffer } | undefined {
  let file: Buffer;
  try {
    const fd = openSync(path, READ_NO_FOLLOW);
    try {
      file = Buffer.alloc(fstatSync(fd).size);
      for (let read = 0; read < file.length;) {
        const count = readSync(fd, file, read, file.length - read, read);
        if (count === 0) return undefined; // shorter than it said: being replaced
        read += count;
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // none, or unreadable
  }
  const end = file.indexOf(NEWLINE);
  if (end === -1) return undefined;
  const header = decodeCheckedLine(file.subarray(0, end).toString("utf8")) as Record<string, unknown> | undefined;
  if (typeof header !== "object" || header === null) return undefined;
  const data = file.subarray(end + 1);
  const expected = (header.data ?? { bytes: 0, crc: 0 }) as { bytes?: unknown; crc?: unknown };
  if (data.length !== expected.bytes || (data.length > 0 && crc32(data) !== expected.crc)) return undefined;
  const now = identify(journalPath);
  const then = header.journal as Partial<JournalIdentity> | undefined;
  if (!now || typeof then !== "object") return undefined;
  const same = (Object.keys(now) as (keyof JournalIdentity)[]).every((field) => then[field] === now[field]);
  return same ? { header, data } : undefined;
}

function identify(journalPath: string): JournalIdentity | undefined {
  let fd: number;
  try {
    fd = openSync(journalPath, READ_NO_FOLLOW);
  } catch {
    return undefined;
  }
  try {
    const stats: BigIntStats = fstatSync(fd, { bigint: true });
    if (!stats.isFile()) return undefined;
    const size = Number(stats.size);
    const tail = Buffer.alloc(Math.min(size, TAIL_BYTES));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return {
      dev: String(stats.dev),
      ino: String(stats.ino),
      size: String(stats.size),
      mtimeNs: String(stats.mtimeNs),
      ctimeNs: String(stats.ctimeNs),
      tailSha256: createHash("sha256").update(tail).digest("hex"),
    };
  } finally {
    closeSync(fd);
  }
}

/** A disk that fills mid-write takes part of a chunk and returns a short count: write the rest, or fail. */
function writeAll(fd: number, chunk: Buffer): void {
  for (let written = 0; written < chunk.length;) written += writeSync(fd, chunk, written);
}
