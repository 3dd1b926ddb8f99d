// Reads a CSV file as a stream of records with the physical line each one starts on. Memory stays flat
// as the file grows: bytes go from disk to csv-parse one chunk at a time and records come out one by one.
//
// Anything that makes the file unreadable as a table (not UTF-8, an unclosed quote, a record too long
// to be real, no header) stops reading with an InputFileError naming the line; everything about the
// *content* of a record is left to the row checks, so all of those are reported in one pass.
import { isUtf8 } from "node:buffer";
import { open } from "node:fs/promises";
import { extname } from "node:path";
import { CsvError, parse, type Parser } from "csv-parse";
import { InputFileError, UsageError } from "../errors.ts";

/**
 * Real reward rows are a few hundred bytes; a record longer than this is a broken file (an unclosed
 * quote swallowing the rest, a binary file), and the bound keeps memory flat whatever the input.
 */
export const MAX_RECORD_CHARS = 64 * 1024;

/** Small enough that a chunk's batch of records dies young (fewer promotions, flatter RSS). */
const READ_CHUNK_BYTES = 64 * 1024;
const LF = 0x0a;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const ZIP_MAGIC = Buffer.from("PK\x03\x04", "latin1");
const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

export interface RawRecord {
  /** Physical line (1-based) the record starts on, as an editor shows it. */
  line: number;
  cells: string[];
}

export interface RecordSource {
  /** Header cells as written, trimmed. */
  header: string[];
  headerLine: number;
  delimiter: string;
  /**
   * The data records after the header, in batches (one per chunk read: one await per batch, not per
   * record, keeps the hot path cheap). Blank lines and all-empty records (",,,") are skipped.
   * Throws InputFileError on a structural fault.
   */
  records: AsyncIterable<RawRecord[]>;
  /** Closes the file without reading on (iterating to the end, or breaking out, closes it too). */
  close(): Promise<void>;
}

export interface ReadOptions {
  /** Force the field delimiter; otherwise it is detected from the header line ("," or ";" or tab). */
  delimiter?: string | undefined;
  /** For an .xlsx workbook: the sheet to read (default its first). */
  sheet?: string | undefined;
}

/** Rows handed on per batch from a workbook (a CSV hands on one batch per chunk read). */
const WORKBOOK_BATCH_ROWS = 1_000;

/** Opens `file`, reads up to the header row and returns it with the remaining records as a stream. */
export async function openRecords(file: string, options: ReadOptions = {}): Promise<RecordSource> {
  if (extname(file).toLowerCase() === ".xlsx") return openWorkbook(file, options.sheet);
  if (options.sheet !== undefined)
    throw new UsageError(`--sheet names a sheet of an .xlsx workbook; ${file} is read as CSV`);
  const records = readRecords(file, options);
  const first = await records.next();
  if (first.done)
    throw new InputFileError(
      file,
      undefined,
      undefined,
      "the file is empty: expected a header row such as amount,currency,product_code,email",
    );
  const start = first.value;
  if (start.kind !== "header") throw new Error("unreachable: the first record is the header");
  return {
    header: start.header,
    headerLine: start.line,
    delimiter: start.delimiter,
    records: { [Symbol.asyncIterator]: () => dataBatches(records) },
    close: async () => {
      await records.return(undefined);
    },
  };
}

/** The sheet's rows as records: the first non-blank row is the header, as in a CSV. */
async function openWorkbook(file: string, sheet: string | undefined): Promise<RecordSource> {
  // Loaded only for a workbook: its unzip, XML and number-format libraries cost more to load than a CSV run.
  const { readWorkbookSheet } = await import("./read-workbook.ts");
  const [header, ...rows] = (await readWorkbookSheet(file, sheet)).rows;
  if (!header)
    throw new InputFileError(
      file,
      undefined,
      undefined,
      "the sheet is empty: expected a header row such as amount,currency,product_code,email",
    );
  return {
    header: trimTrailingEmpty(header.cells.map((cell) => cell.trim())),
    headerLine: header.line,
    // What the results and error CSVs are written with.
    delimiter: ",",
    records: {
      async *[Symbol.asyncIterator]() {
        for (let at = 0; at < rows.length; at += WORKBOOK_BATCH_ROWS) yield rows.slice(at, at + WORKBOOK_BATCH_ROWS);
      },
    },
    close: async () => undefined,
  };
}

type Item =
  { kind: "header"; header: string[]; line: number; delimiter: string } | { kind: "records"; records: RawRecord[] };

async function* dataBatches(items: AsyncGenerator<Item>): AsyncGenerator<RawRecord[]> {
  for await (const item of items) if (item.kind === "records") yield item.records;
}

async function* readRecords(file: string, options: ReadOptions): AsyncGenerator<Item> {
  const pieces = utf8Pieces(file);
  let parser: Parser | undefined;
  let delimiter = ",";
  let failure: unknown;
  // The line the last record (or blank line) ended on. Blank lines reach us as records of empty
  // cells (skip_empty_lines is off), so every physical line is accounted for: a record starts on
  // the line after the last one and spans one more line per line break inside its quoted cells.
  // (csv-parse's own info.lines drifts on CRLF inside quotes, and its per-record info costs 30%.)
  let lastEndLine = 0;
  let sawHeader = false;

  function* drain(p: Parser): Generator<Item> {
    const batch: RawRecord[] = [];
    for (let cells = p.read() as string[] | null; cells !== null; cells = p.read() as string[] | null) {
      const line = lastEndLine + 1;
      lastEndLine = line + countLineBreaks(cells);
      if (isBlank(cells)) continue;
      if (sawHeader) {
        batch.push({ line, cells });
      } else {
        sawHeader = true;
        yield { kind: "header", header: trimTrailingEmpty(cells.map((cell) => cell.trim())), line, delimiter };
      }
    }
    if (batch.length > 0) yield { kind: "records", records: batch };
  }

  try {
    for await (const piece of pieces) {
      if (!parser) {
        const detected = options.delimiter ?? detectDelimiter(piece);
        if (detected === undefined) {
          lastEndLine += countLines(piece); // only blank lines so far
          continue;
        }
        delimiter = detected;
        parser = parse({
          delimiter,
          relax_column_count: true,
          skip_empty_lines: false,
          max_record_size: MAX_RECORD_CHARS,
        });
        parser.on("error", (error) => (failure ??= error));
      }
      // csv-parse handles a written chunk synchronously; a parse error marks the stream `errored` at once.
      parser.write(piece);
      yield* drain(parser);
      failure ??= parser.errored;
      if (failure) break;
    }
    if (parser && !failure) {
      parser.end();
      // The final flush (where an unclosed quote is found) may report on the next turn of the loop.
      await new Promise((resolve) => setImmediate(resolve));
      yield* drain(parser);
      failure ??= parser.errored;
    }
  } catch (error) {
    failure ??= error;
  } finally {
    await pieces.return(undefined);
    parser?.destroy();
  }
  if (failure) throw structuralError(file, failure, lastEndLine + 1);
}

/** A record with nothing but whitespace: a blank line, or a spreadsheet's ",,,," row. */
export function isBlank(cells: string[]): boolean {
  for (const cell of cells) if (cell !== "" && cell.trim() !== "") return false;
  return true;
}

function countLines(piece: Buffer): number {
  return countLineFeeds(piece) + (piece.length > 0 && piece[piece.length - 1] !== LF ? 1 : 0);
}

function countLineBreaks(cells: string[]): number {
  let count = 0;
  for (const cell of cells) {
    for (let at = cell.indexOf("\n"); at !== -1; at = cell.indexOf("\n", at + 1)) count++;
  }
  return count;
}

function trimTrailingEmpty(cells: string[]): string[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1] === "") end--;
  return end === cells.length ? cells : cells.slice(0, end);
}

/**
 * The header line decides the delimiter: European Excel saves "CSV" with semicolons (the comma is
 * the decimal separator there). Whichever of `,` `;` tab appears most in the header wins; undefined
 * while only blank lines have been seen.
 */
export function detectDelimiter(piece: Buffer): string | undefined {
  const text = piece.toString("utf8", 0, Math.min(piece.length, 8192));
  const headerLine = text.split("\n").find((line) => line.trim() !== "");
  if (headerLine === undefined) return undefined;
  const count = (char: string) => headerLine.split(char).length - 1;
  const candidates: [string, number][] = [
    [",", count(",")],
    [";", count(";")],
    ["\t", count("\t")],
  ];
  let best: [string, number] = [",", 0];
  for (const candidate of candidates) if (candidate[1] > best[1]) best = candidate;
  return best[0];
}

/**
 * The file's bytes as pieces that each end on a line break (the last one may not), checked to be
 * UTF-8. A line feed byte never occurs inside a multi-byte UTF-8 sequence, so each piece can be
 * checked on its own and a failure pinned to one line. A leading BOM is dropped.
 */
async function* utf8Pieces(file: string): AsyncGenerator<Buffer> {
  const handle = await openForReading(file);
  let carry: Buffer = Buffer.alloc(0);
  let linesBefore = 0;
  let first = true;
  const check = (piece: Buffer): Buffer => {
    if (first) {
      first = false;
      if (piece.length >= 2 && ((piece[0] === 0xff && piece[1] === 0xfe) || (piece[0] === 0xfe && piece[1] === 0xff))) {
        throw new InputFileError(
          file,
          1,
          undefined,
          'the file is saved as UTF-16 ("Unicode text"); save it as "CSV UTF-8" instead',
        );
      }
      if (piece.subarray(0, 3).equals(UTF8_BOM)) piece = piece.subarray(3);
    }
    if (!isUtf8(piece)) throw notUtf8(file, piece, linesBefore);
    linesBefore += countLineFeeds(piece);
    return piece;
  };
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: false })) {
      const bytes = chunk as Buffer;
      if (linesBefore === 0 && carry.length === 0) refuseWorkbook(file, bytes);
      const lastBreak = bytes.lastIndexOf(LF);
      if (lastBreak === -1) {
        carry = carry.length === 0 ? bytes : Buffer.concat([carry, bytes]);
        // A line this long cannot be a reward row; stop before it costs memory.
        if (carry.length > MAX_RECORD_CHARS * 4) {
          throw new InputFileError(
            file,
            linesBefore + 1,
            undefined,
            `line ${linesBefore + 1} is longer than ${MAX_RECORD_CHARS} characters: this does not look like a rewards CSV`,
          );
        }
        continue;
      }
      const head = bytes.subarray(0, lastBreak + 1);
      yield check(carry.length === 0 ? head : Buffer.concat([carry, head]));
      carry = bytes.subarray(lastBreak + 1);
    }
    if (carry.length > 0) yield check(carry);
  } finally {
    await handle.close();
  }
}

async function openForReading(file: string) {
  try {
    const handle = await open(file, "r");
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw new InputFileError(file, undefined, undefined, "is a folder, not a CSV file");
    }
    return handle;
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new InputFileError(file, undefined, undefined, `cannot read the file: ${reason}`, { cause: error });
  }
}

function countLineFeeds(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(LF); at !== -1; at = bytes.indexOf(LF, at + 1)) count++;
  return count;
}

/** A workbook or document given as a CSV: say what it is, rather than call its bytes bad text. */
function refuseWorkbook(file: string, start: Buffer): void {
  const kind = start.subarray(0, 4).equals(ZIP_MAGIC)
    ? "a ZIP archive, such as an Excel .xlsx, .ods or Numbers workbook"
    : start.subarray(0, 8).equals(OLE_MAGIC)
      ? "an old-style Excel .xls workbook"
      : start.subarray(0, 5).toString("latin1") === "%PDF-"
        ? "a PDF document"
        : undefined;
  if (kind === undefined) return;
  throw new InputFileError(
    file,
    undefined,
    undefined,
    `this is ${kind}, not a CSV file. Save the sheet as "CSV UTF-8 (Comma delimited)" (or, for Excel, give the .xlsx file itself)`,
  );
}

/** Pins a UTF-8 failure to its line (error path only: the happy path never splits lines). */
function notUtf8(file: string, piece: Buffer, linesBefore: number): InputFileError {
  let start = 0;
  let line = linesBefore + 1;
  for (;;) {
    const end = piece.indexOf(LF, start);
    const bytes = piece.subarray(start, end === -1 ? piece.length : end);
    if (!isUtf8(bytes)) {
      const bad = firstNonAscii(bytes);
      const hint = bad === undefined ? "" : ` (byte 0x${bad.toString(16).toUpperCase().padStart(2, "0")})`;
      return new InputFileError(
        file,
        line,
        undefined,
        `the file is not UTF-8 text${hint}; it looks like Latin-1/Windows-1252. In Excel use "Save As" > "CSV UTF-8 (Comma delimited)"`,
      );
    }
    if (end === -1) return new InputFileError(file, line, undefined, "the file is not UTF-8 text");
    start = end + 1;
    line++;
  }
}

function firstNonAscii(bytes: Buffer): number | undefined {
  for (const byte of bytes) if (byte >= 0x80) return byte;
  return undefined;
}

/** Turns a csv-parse failure into a message for the person who edits the spreadsheet. */
function structuralError(file: string, error: unknown, recordLine: number): unknown {
  if (error instanceof InputFileError || !(error instanceof CsvError)) return error;
  const lines = (error as CsvError & { lines?: number }).lines;
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return new InputFileError(
        file,
        recordLine,
        undefined,
        `a quote (") opened on line ${recordLine} is never closed; every quoted cell must end with a quote`,
      );
    case "CSV_MAX_RECORD_SIZE":
      return new InputFileError(
        file,
        recordLine,
        undefined,
        `the record starting on line ${recordLine} is longer than ${MAX_RECORD_CHARS} characters; most likely a quote (") is never closed`,
      );
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
    case "INVALID_OPENING_QUOTE":
      return new InputFileError(
        file,
        lines ?? recordLine,
        undefined,
        `a quote (") in the middle of a cell; put the whole cell in quotes and double the quotes inside it ("say ""hi""")`,
      );
    default:
      return new InputFileError(file, lines ?? recordLine, undefined, `cannot read the file as CSV: ${error.message}`);
  }
}
