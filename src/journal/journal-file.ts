// An append-only JSON-lines file where every record is on disk (fsync) before the caller acts on
// it. Each line carries a checksum of its record, so a garbled or cut line is found, not read as
// data. A crash can leave a torn last line: the action it announced never started (we only act
// after append returns), so it is dropped. Read as a stream, line by line, at any size.
//
// A line is `{"crc":"<crc32 of the rest, 8 hex>",` followed by the record's own JSON without its
// opening brace: still one JSON object per line, and the checksum is checked without re-encoding.
// Journals written before checksums have lines without the prefix; they stay readable (see readLines).
//
// Every record read or appended remembers where its line is (linePosition), so what is large and
// rarely needed (an order's body, a settled order's payouts) can stay on disk and be read back
// (recordAt), checked against its checksum again, instead of being held in memory for every order.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import { openPrivateFile, READ_APPEND_NO_FOLLOW, READ_NO_FOLLOW, refuseUnsafeTarget } from "../csv/safe-file.ts";
import { JournalRefusal } from "../errors.ts";

const CRC_OPEN = '{"crc":"';
const CRC_DIGITS = 8;
const CRC_CLOSE = '",';
const PREFIX_LENGTH = CRC_OPEN.length + CRC_DIGITS + CRC_CLOSE.length;
const NEWLINE = 0x0a;
/** How long a torn-looking last line is given to be finished by a writer in another process. */
const TORN_TAIL_SETTLE_MS = 250;
const CHUNK_BYTES = 1 << 20;

/** Where a record's line is in the journal: its first byte and its length without the newline. */
export interface LinePosition {
  offset: number;
  length: number;
}

/** Positions of the records this process read or wrote; weak, so a record folded and dropped costs nothing. */
const positions = new WeakMap<object, LinePosition>();

export function linePosition(record: object): LinePosition | undefined {
  return positions.get(record);
}

export class JournalFile {
  readonly #fd: number;
  #size: number;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.#fd = fd;
    this.#size = 0;
  }

  /** Opens (creating it if need be) for appending and reading back, with a torn last line healed. */
  static open(path: string): JournalFile {
    const fd = openPrivateFile(path, READ_APPEND_NO_FOLLOW); // never through a link; narrowed to 0600: it holds links
    const file = new JournalFile(path, fd);
    try {
      file.#healTornTail();
      file.#size = fstatSync(fd).size;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return file;
  }

  /** Every record in order; refuses (JournalRefusal) at a damaged line. */
  records<T>(): Generator<T> {
    return readLines<T>(this.#fd, this.path);
  }

  /** Writes one record and flushes it to disk. Synchronous on purpose: nothing else may interleave. */
  append(record: object): void {
    this.appendAll([record]);
  }

  /** Writes several records and flushes them to disk once (a run's claims: thousands of lines, one fsync). */
  appendAll(records: readonly object[]): void {
    if (records.length === 0) return;
    const lines = records.map((record) => Buffer.from(encodeLine(record), "utf8"));
    const block = lines.length === 1 ? lines[0]! : Buffer.concat(lines);
    // A disk that fills mid-line takes part of it and returns a short count, not an error: write
    // the rest, so a full disk surfaces as ENOSPC here instead of a record that is only half there.
    for (let written = 0; written < block.length;) written += writeSync(this.#fd, block, written);
    fsyncSync(this.#fd);
    for (const [index, record] of records.entries()) {
      const length = lines[index]!.length;
      positions.set(record, { offset: this.#size, length: length - 1 });
      this.#size += length;
    }
  }

  close(): void {
    closeSync(this.#fd);
  }

  /**
   * A last line without its newline was being written when the process died. Only that line is
   * read (backwards from the end), never the whole file. Complete and checked, it is kept and
   * ended; otherwise it is cut off, so the next record starts on a line of its own.
   */
  #healTornTail(): void {
    let size = fstatSync(this.#fd).size;
    if (size === 0 || lastByte(this.#fd, size) === NEWLINE) return;
    // The ledger is shared by every batch: another process may be mid-append, its line visible in
    // part. A write completes in far less than this wait; only a tail that stays torn was cut.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, TORN_TAIL_SETTLE_MS);
    size = fstatSync(this.#fd).size;
    if (lastByte(this.#fd, size) === NEWLINE) return;
    const start = startOfLastLine(this.#fd, size);
    const tail = Buffer.alloc(size - start);
    readSync(this.#fd, tail, 0, tail.length, start);
    if (isCheckedRecord(decodeLine(tail.toString("utf8")))) writeSync(this.#fd, "\n");
    else ftruncateSync(this.#fd, start);
    fsyncSync(this.#fd);
  }
}

/** The records of a journal, read without writing to it (e.g. by `status`); none if there is no file. */
export function* readRecords<T>(path: string): Generator<T> {
  let fd: number;
  try {
    fd = openSync(path, READ_NO_FOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    // A link where the journal (or ledger) belongs: refused with the words `run` uses, not a bare ELOOP.
    if (code === "ELOOP" || code === "EMLINK") refuseUnsafeTarget(path);
    throw error;
  }
  try {
    yield* readLines<T>(fd, path);
  } finally {
    closeSync(fd);
  }
}

/**
 * The record whose line is at `at` in the journal at `path`, read again and checked again. Opened
 * anew for each read (never through a link), so it also serves after the journal is closed.
 */
export function recordAt<T>(path: string, at: LinePosition): T {
  const fd = openSync(path, READ_NO_FOLLOW);
  try {
    const line = Buffer.alloc(at.length);
    const read = readSync(fd, line, 0, at.length, at.offset);
    const decoded = decodeLine(line.subarray(0, read).toString("utf8"));
    if (decoded.kind !== "record") {
      throw new JournalRefusal(
        `the journal ${path} changed under this run: the line at byte ${at.offset} no longer reads back (${decoded.kind === "damaged" ? decoded.reason : "not a record"}). ` +
          "Nothing more is sent. Find out what else writes to the journal, then re-run.",
        "journal_damaged",
      );
    }
    return decoded.record as T;
  } finally {
    closeSync(fd);
  }
}

/** One record as its line: checksum first, then the record's JSON without its opening brace. */
export function encodeLine(record: object): string {
  const rest = JSON.stringify(record).slice(1);
  return `${CRC_OPEN}${checksum(rest)}${CRC_CLOSE}${rest}\n`;
}

/** The record of one line written by encodeLine, or undefined unless its checksum is there and matches. */
export function decodeCheckedLine(line: string): unknown {
  const decoded = decodeLine(line.replace(/\n$/, ""));
  return decoded.kind === "record" && decoded.checked ? decoded.record : undefined;
}

function checksum(text: string): string {
  return crc32(text).toString(16).padStart(CRC_DIGITS, "0");
}

type Decoded =
  { kind: "record"; checked: boolean; record: unknown } | { kind: "damaged"; reason: string } | { kind: "unreadable" };

function isCheckedRecord(decoded: Decoded): boolean {
  return decoded.kind === "record" && decoded.checked;
}

function decodeLine(line: string): Decoded {
  if (line.startsWith(CRC_OPEN)) {
    const rest = line.slice(PREFIX_LENGTH);
    if (
      line.slice(PREFIX_LENGTH - CRC_CLOSE.length, PREFIX_LENGTH) !== CRC_CLOSE ||
      line.slice(CRC_OPEN.length, CRC_OPEN.length + CRC_DIGITS) !== checksum(rest)
    ) {
      return { kind: "damaged", reason: "its checksum does not match its content" };
    }
    try {
      return { kind: "record", checked: true, record: JSON.parse(`{${rest}`) };
    } catch {
      return { kind: "damaged", reason: "it is not valid JSON" };
    }
  }
  try {
    const record: unknown = JSON.parse(line);
    return record !== null && typeof record === "object"
      ? { kind: "record", checked: false, record }
      : { kind: "unreadable" };
  } catch {
    return { kind: "unreadable" };
  }
}

/**
 * The rules, line by line:
 * - a checked line whose checksum matches is a record; one that does not is damage;
 * - lines before the first checked line come from a version without checksums: a record when they
 *   parse, skipped when they do not (that version healed a torn line by ending it, so a torn
 *   line can sit in the middle of such a journal; it never acted);
 * - after the first checked line, every line must be checked: anything else is damage;
 * - a last line without its newline was torn by a crash: read if it checks out, else skipped (as
 *   JournalFile.open keeps or cuts it).
 * Damage refuses the whole journal with its line number: reading on could pay a row twice.
 */
function* readLines<T>(fd: number, path: string): Generator<T> {
  let checkedSeen = false;
  for (const { text, number, complete, offset, length } of lines(fd)) {
    if (complete && text.trim() === "" && !checkedSeen) continue;
    const decoded = decodeLine(text);
    if (decoded.kind === "record" && (decoded.checked || (complete && !checkedSeen))) {
      checkedSeen ||= decoded.checked;
      positions.set(decoded.record as object, { offset, length });
      yield decoded.record as T;
    } else if (!complete || (decoded.kind === "unreadable" && !checkedSeen)) {
      continue; // torn by a crash mid-write, now or under an older version
    } else {
      throw damagedJournal(
        path,
        number,
        decoded.kind === "damaged" ? decoded.reason : "it has no checksum, unlike the lines before it",
      );
    }
  }
}

function damagedJournal(path: string, line: number, reason: string): JournalRefusal {
  return new JournalRefusal(
    `the journal ${path} is damaged at line ${line}: ${reason}. Nothing was sent. ` +
      "The journal is the only record of which rows were ordered, so the batch cannot be run or reported safely from it. " +
      "Restore the file from a backup (keep the damaged copy). Without one, check the batch's orders in the Runa dashboard before deciding anything: " +
      "a run without its journal sends every row again, and Runa recognises a re-sent row (no second payment) only for 30 days after it was first sent.",
    "journal_damaged",
  );
}

/**
 * The file's lines as text, read in chunks, with their byte offset and length (newline excluded);
 * `complete` is false for a last line without its newline.
 */
function* lines(fd: number): Generator<{ text: string; number: number; complete: boolean } & LinePosition> {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let pending: Buffer[] = [];
  let position = 0;
  let lineStart = 0;
  let number = 0;
  for (;;) {
    const read = readSync(fd, chunk, 0, CHUNK_BYTES, position);
    if (read === 0) break;
    const view = chunk.subarray(0, read);
    let start = 0;
    for (let end = view.indexOf(NEWLINE); end !== -1; end = view.indexOf(NEWLINE, start)) {
      const piece = view.subarray(start, end);
      const text = pending.length === 0 ? piece.toString("utf8") : Buffer.concat([...pending, piece]).toString("utf8");
      pending = [];
      number += 1;
      yield { text, number, complete: true, offset: lineStart, length: position + end - lineStart };
      start = end + 1;
      lineStart = position + start;
    }
    if (start < read) pending.push(Buffer.from(view.subarray(start))); // a copy: the chunk is reused
    position += read;
  }
  if (pending.length > 0)
    yield {
      text: Buffer.concat(pending).toString("utf8"),
      number: number + 1,
      complete: false,
      offset: lineStart,
      length: position - lineStart,
    };
}

function lastByte(fd: number, size: number): number {
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, size - 1);
  return byte[0]!;
}

/** Where the last line starts: just after the last newline, found reading back from the end. */
function startOfLastLine(fd: number, size: number): number {
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - chunk.length);
    readSync(fd, chunk, 0, end - start, start);
    const newline = chunk.subarray(0, end - start).lastIndexOf(NEWLINE);
    if (newline !== -1) return start + newline + 1;
    end = start;
  }
  return 0;
}
