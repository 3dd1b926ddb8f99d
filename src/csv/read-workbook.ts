// An .xlsx workbook read as rows of text: each cell as the person sees it in Excel (its number format
// applied, e.g. 10.1 stays "10.1" and a date reads "11/29/2026"), which is also what Excel writes when
// the sheet is saved as CSV, so the same rows give the same checks, fingerprints and keys either way.
// fflate unzips, saxes reads the XML, numfmt applies Excel's number formats; only the cells are ours.
// The sheet is read whole into memory (Excel's own limit is about a million rows), and a workbook
// that unpacks to more than MAX_WORKBOOK_XML_BYTES is refused; for bigger batches, CSV streams.
import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { strFromU8, unzipSync } from "fflate";
import { format as formatNumber, getFormatFromId, isDateFormat } from "numfmt";
import { SaxesParser, type SaxesTagPlain } from "saxes";
import { InputFileError } from "../errors.ts";

export interface WorkbookRow {
  /** The sheet's own row number (1 = its first row). */
  line: number;
  cells: string[];
}

export interface WorkbookSheet {
  name: string;
  rows: WorkbookRow[];
}

/** Days between Excel's 1904 and 1900 date systems (Mac workbooks may use the former). */
const DAYS_1904_TO_1900 = 1462;

/** The sheet named `sheet`, or the first one, as rows of displayed text; blank rows are left out. */
export async function readWorkbookSheet(file: string, sheet?: string): Promise<WorkbookSheet> {
  const bytes = await readFile(file);
  try {
    return readSheet(file, bytes, sheet);
  } catch (error) {
    // A part that is not well-formed XML: a damaged file, or one whose zip declares a part smaller than
    // it is (fflate stops at the declared size, so the XML ends early). Bad input, not a fault of ours.
    if (!(error instanceof XmlError)) throw error;
    throw new InputFileError(
      file,
      undefined,
      undefined,
      `this .xlsx file is damaged (${error.message}): save it again from Excel, or save the sheet as CSV UTF-8`,
      { cause: error.cause },
    );
  }
}

function readSheet(file: string, bytes: Buffer, sheet: string | undefined): WorkbookSheet {
  const entries = unzip(file, bytes);
  const workbook = entries.text("xl/workbook.xml");
  if (workbook === undefined)
    throw new InputFileError(
      file,
      undefined,
      undefined,
      "this .xlsx file has no workbook inside: is it really an Excel workbook?",
    );
  const { sheets, date1904 } = readSheetList(workbook);
  const chosen = sheet === undefined ? sheets[0] : sheets.find((candidate) => candidate.name === sheet);
  if (!chosen) {
    const names = sheets.map((candidate) => `"${candidate.name}"`).join(", ") || "none";
    throw new InputFileError(
      file,
      undefined,
      undefined,
      sheet === undefined
        ? "the workbook has no sheet"
        : `the workbook has no sheet named "${sheet}" (it has: ${names}); pass --sheet with one of them`,
    );
  }
  const targets = readRelationships(entries.text("xl/_rels/workbook.xml.rels") ?? "");
  const target = targets.get(chosen.relationship);
  const sheetXml =
    target === undefined
      ? undefined
      : entries.text(target.startsWith("/") ? target.slice(1) : posix.normalize(posix.join("xl", target)));
  if (sheetXml === undefined)
    throw new InputFileError(file, undefined, undefined, `the sheet "${chosen.name}" is missing from the workbook`);
  const display = cellDisplay(
    readSharedStrings(entries.text("xl/sharedStrings.xml") ?? ""),
    readCellFormats(entries.text("xl/styles.xml") ?? ""),
    date1904,
  );
  return { name: chosen.name, rows: readRows(sheetXml, display) };
}

/**
 * The parts we read, XML unzipped: at most this many bytes in all, as the zip declares them. fflate
 * never writes past a part's declared size, so this bounds memory even for a small file that
 * unpacks to gigabytes (a zip bomb). A sheet is read whole and takes about ten times its XML in
 * memory (100 MB of XML peaked near 1 GB), so past this a run would exhaust Node's heap. Several
 * hundred thousand rows fit; a sheet near Excel's million rows may not, and is read as CSV instead.
 */
export const MAX_WORKBOOK_XML_BYTES = 256 * 1024 * 1024;

/** Each part is unzipped when asked for, and only it: pictures and other sheets are never inflated. */
function unzip(file: string, bytes: Buffer): { text(path: string): string | undefined } {
  let unpacked = 0;
  const fail = (why: string, cause?: unknown): never => {
    throw new InputFileError(file, undefined, undefined, why, { cause });
  };
  return {
    text(path) {
      let part: Uint8Array | undefined;
      try {
        part = unzipSync(bytes, {
          filter: (entry) => {
            if (entry.name !== path) return false;
            unpacked += entry.originalSize;
            return unpacked <= MAX_WORKBOOK_XML_BYTES;
          },
        })[path];
      } catch (error) {
        fail(
          `this .xlsx file cannot be opened (${(error as Error).message}): save it again from Excel, or save the sheet as CSV UTF-8`,
          error,
        );
      }
      if (unpacked > MAX_WORKBOOK_XML_BYTES)
        fail(
          `this .xlsx file unpacks to more than ${MAX_WORKBOOK_XML_BYTES / 1024 / 1024} MB, too big to read as a workbook: save the sheet as CSV UTF-8 (CSV files of any size are streamed)`,
        );
      return part === undefined ? undefined : strFromU8(part);
    },
  };
}

/** An XML part that does not parse. */
class XmlError extends Error {}

/** Walks an XML document: `open` for every element, `text` for character data inside them. */
function walk(
  xml: string,
  handlers: { open?: (tag: SaxesTagPlain) => void; close?: (name: string) => void; text?: (text: string) => void },
): void {
  const parser = new SaxesParser();
  if (handlers.open) parser.on("opentag", handlers.open);
  if (handlers.close) parser.on("closetag", (tag) => handlers.close!(tag.name));
  if (handlers.text) {
    parser.on("text", handlers.text);
    parser.on("cdata", handlers.text);
  }
  try {
    parser.write(xml).close();
  } catch (error) {
    // saxes reports a malformed document by throwing (so would a handler failing on a cell: the file is at fault either way)
    throw new XmlError(`its XML is not well-formed: ${(error as Error).message.replace(/\.$/, "")}`, { cause: error });
  }
}

/** Sheet names in workbook order, each with its relationship id; and whether dates count from 1904. */
function readSheetList(xml: string): { sheets: { name: string; relationship: string }[]; date1904: boolean } {
  const sheets: { name: string; relationship: string }[] = [];
  let date1904 = false;
  walk(xml, {
    open: (tag) => {
      if (tag.name === "sheet")
        sheets.push({ name: tag.attributes.name ?? "", relationship: tag.attributes["r:id"] ?? "" });
      if (tag.name === "workbookPr") date1904 = ["1", "true"].includes(tag.attributes.date1904 ?? "");
    },
  });
  return { sheets, date1904 };
}

function readRelationships(xml: string): Map<string, string> {
  const targets = new Map<string, string>();
  walk(xml, {
    open: (tag) => tag.name === "Relationship" && targets.set(tag.attributes.Id ?? "", tag.attributes.Target ?? ""),
  });
  return targets;
}

/** Each shared string's text: its runs joined, phonetic guides (<rPh>) left out as Excel shows them. */
function readSharedStrings(xml: string): string[] {
  const strings: string[] = [];
  let current: string | undefined;
  let inText = false;
  let phonetic = 0;
  walk(xml, {
    open: (tag) => {
      if (tag.name === "si") current = "";
      else if (tag.name === "rPh") phonetic++;
      else if (tag.name === "t") inText = true;
    },
    close: (name) => {
      if (name === "si") strings.push(current ?? "");
      else if (name === "rPh") phonetic--;
      else if (name === "t") inText = false;
    },
    text: (text) => {
      if (inText && phonetic === 0 && current !== undefined) current += text;
    },
  });
  return strings;
}

/** The number format of each cell style (the `s` of a cell indexes <cellXfs>). */
function readCellFormats(xml: string): string[] {
  const custom = new Map<number, string>();
  const formats: string[] = [];
  let inCellXfs = false;
  walk(xml, {
    open: (tag) => {
      if (tag.name === "numFmt") custom.set(Number(tag.attributes.numFmtId), tag.attributes.formatCode ?? "General");
      else if (tag.name === "cellXfs") inCellXfs = true;
      else if (tag.name === "xf" && inCellXfs) {
        const id = Number(tag.attributes.numFmtId ?? 0);
        formats.push(custom.get(id) ?? (getFormatFromId(id) || "General"));
      }
    },
    close: (name) => {
      if (name === "cellXfs") inCellXfs = false;
    },
  });
  return formats;
}

type CellDisplay = (cell: { type: string; style: number; value: string; inline: string }) => string;

function cellDisplay(strings: string[], formats: string[], date1904: boolean): CellDisplay {
  return ({ type, style, value, inline }) => {
    switch (type) {
      case "s":
        return strings[Number(value)] ?? "";
      case "inlineStr":
        return inline;
      case "b":
        return value === "1" ? "TRUE" : "FALSE";
      case "str":
      case "e":
      case "d":
        return value;
      default: {
        if (value === "") return "";
        const pattern = formats[style] ?? "General";
        const number = Number(value);
        if (!Number.isFinite(number)) return value;
        const shifted = date1904 && isDateFormat(pattern) ? number + DAYS_1904_TO_1900 : number;
        return formatNumber(pattern, shifted, { locale: "en-US" });
      }
    }
  };
}

/** "AB12" -> 27 (0-based column of a cell reference). */
function columnIndex(reference: string): number {
  let column = 0;
  for (const char of reference) {
    const code = char.charCodeAt(0);
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
  }
  return column - 1;
}

function readRows(xml: string, display: CellDisplay): WorkbookRow[] {
  const rows: WorkbookRow[] = [];
  let row: WorkbookRow | undefined;
  let cell: { type: string; style: number; value: string; inline: string; column: number } | undefined;
  let reading: "v" | "t" | undefined;
  walk(xml, {
    open: (tag) => {
      if (tag.name === "row") {
        const number = Number(tag.attributes.r ?? (row ? row.line + 1 : 1));
        row = { line: number, cells: [] };
      } else if (tag.name === "c" && row) {
        const reference = tag.attributes.r;
        const column = reference === undefined ? row.cells.length : columnIndex(reference);
        cell = { type: tag.attributes.t ?? "n", style: Number(tag.attributes.s ?? 0), value: "", inline: "", column };
      } else if (cell && (tag.name === "v" || (tag.name === "t" && cell.type === "inlineStr"))) {
        reading = tag.name;
      }
    },
    close: (name) => {
      if (name === "v" || name === "t") reading = undefined;
      else if (name === "c" && row && cell) {
        while (row.cells.length < cell.column) row.cells.push("");
        row.cells[cell.column] = display(cell);
        cell = undefined;
      } else if (name === "row" && row) {
        if (row.cells.some((text) => text.trim() !== "")) rows.push(row);
        row = undefined;
      }
    },
    text: (text) => {
      if (reading === "v" && cell) cell.value += text;
      else if (reading === "t" && cell) cell.inline += text;
    },
  });
  return rows;
}
