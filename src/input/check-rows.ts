// Checks every row of an input file against the product spec's input rules and the catalog, in one
// streaming pass. A bad row is a result (its problems), not an exception; only a file that cannot be
// read as a table throws (InputFileError). Nothing here spends money or talks to Runa.
//
// The run pipeline must consume the whole stream before ordering anything: a duplicate or a broken
// quote near the end of the file makes the whole file invalid, and rows are checked as they stream.
import type { Catalog, OrderableCode } from "../catalog/catalog.ts";
import { isIso4217 } from "../catalog/iso-4217.ts";
import { openRecords, type RawRecord } from "../csv/read-records.ts";
import { InputFileError } from "../errors.ts";
import { parseAmount, toCents } from "../money.ts";
import type { DistributionMethod, ProductSelection } from "../runa/types.ts";
import {
  CheckedOrderLine,
  fingerprint,
  FingerprintIndex,
  type FingerprintFields,
  occurrenceFingerprint,
  referenceFingerprintText,
  sha256Hex,
  type OrderLine,
} from "./order-line.ts";

export interface Problem {
  /** The header name as the user wrote it, or "" for the whole row. */
  column: string;
  message: string;
}

export interface CheckedRow {
  /** The record's number as a spreadsheet shows it: the header is row 1, the first data row 2 (blank lines are not counted). */
  row: number;
  /** Physical line in the file where the record starts (what an editor shows). */
  line: number;
  /** The original cells in input column order, one per header column (plus any non-empty cells beyond it). */
  values: string[];
  result: { ok: true; order: OrderLine } | { ok: false; problems: Problem[] };
}

export interface InputOptions {
  catalog: Catalog;
  /** Rows with identical content are allowed; the k-th repeat gets its own fingerprint. */
  allowDuplicates: boolean;
  /** Force the field delimiter (";" for European Excel); detected from the header otherwise. */
  delimiter?: string | undefined;
  /**
   * The name errors give the file, when what is read is a snapshot of it (run reads a private copy
   * so the file cannot change under it): messages name the user's file, never the copy.
   */
  displayName?: string | undefined;
  /** The sheet of an .xlsx workbook to read (default its first). */
  sheet?: string | undefined;
}

export interface Input {
  /** Header cells as written, trimmed. */
  header: string[];
  /** The delimiter the file was read with: what it is written back with. */
  delimiter: string;
  /** The rows in file order. Iterate this or `batches`, once: both read the same stream. */
  rows: AsyncIterable<CheckedRow>;
  /** The same rows a few dozen at a time (one await per batch, not per row): for passes over every row. */
  batches: AsyncIterable<CheckedRow[]>;
}

/** Description limit of POST /order (`description` <= 128 characters). */
export const MAX_DESCRIPTION_CHARS = 128;

const PRODUCT_COLUMNS = ["product_code", "product_codes", "template_id"] as const;
const KNOWN_COLUMNS = [
  "amount",
  "currency",
  ...PRODUCT_COLUMNS,
  "email",
  "distribution",
  "reference",
  "description",
] as const;
type KnownColumn = (typeof KNOWN_COLUMNS)[number];

/** Where each known column sits in the file (-1 when absent) and how the user spelled it. */
interface ColumnMap {
  index: Record<KnownColumn, number>;
  name: Record<KnownColumn, string>;
  width: number;
}

export async function openInput(file: string, options: InputOptions): Promise<Input> {
  const name = options.displayName;
  if (name === undefined || name === file) return openNamedInput(file, options);
  try {
    const input = await openNamedInput(file, options);
    return {
      ...input,
      rows: { [Symbol.asyncIterator]: () => renamingErrors(input.rows, file, name) },
      batches: { [Symbol.asyncIterator]: () => renamingErrors(input.batches, file, name) },
    };
  } catch (error) {
    throw renamed(error, file, name);
  }
}

async function* renamingErrors<T>(items: AsyncIterable<T>, file: string, name: string): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (error) {
    throw renamed(error, file, name);
  }
}

function renamed(error: unknown, file: string, name: string): unknown {
  return error instanceof InputFileError && error.file === file ? error.forFile(name) : error;
}

async function openNamedInput(file: string, options: InputOptions): Promise<Input> {
  const source = await openRecords(file, { delimiter: options.delimiter, sheet: options.sheet });
  let columns: ColumnMap;
  try {
    columns = mapColumns(file, source.header, source.headerLine);
  } catch (error) {
    await source.close();
    throw error;
  }
  const batches = {
    [Symbol.asyncIterator]: () => checkRecords(file, source.headerLine, source.records, columns, options),
  };
  return {
    header: source.header,
    delimiter: source.delimiter,
    batches,
    rows: { [Symbol.asyncIterator]: () => eachOf(batches) },
  };
}

async function* eachOf<T>(batches: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}

/** "Product Code", " AMOUNT " and "product-code" all name the same column. */
export function normaliseColumnName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

function mapColumns(file: string, header: string[], headerLine: number): ColumnMap {
  const index = Object.fromEntries(KNOWN_COLUMNS.map((column) => [column, -1])) as Record<KnownColumn, number>;
  const name = Object.fromEntries(KNOWN_COLUMNS.map((column) => [column, column])) as Record<KnownColumn, string>;
  header.forEach((cell, at) => {
    const key = normaliseColumnName(cell) as KnownColumn;
    if (!(KNOWN_COLUMNS as readonly string[]).includes(key)) return;
    if (index[key] !== -1) {
      throw new InputFileError(
        file,
        headerLine,
        cell,
        `the header names the ${key} column twice (columns ${index[key] + 1} and ${at + 1}); keep one`,
      );
    }
    index[key] = at;
    name[key] = cell;
  });
  const found = header.length === 0 ? "nothing" : header.map((cell) => cell || "(blank)").join(", ");
  const looksLikeData = header.some((cell) => parseAmount(cell).ok);
  const other = header.length === 1 ? [";", ",", "\t"].find((char) => header[0]?.includes(char)) : undefined;
  const hint = looksLikeData
    ? "; the first row looks like data: the file needs a header row first, such as amount,currency,product_code,email"
    : other !== undefined
      ? `; the header seems to be separated by ${other === "\t" ? "tabs" : `"${other}"`}: check the --delimiter option`
      : "";
  for (const required of ["amount", "currency"] as const) {
    if (index[required] === -1)
      throw new InputFileError(
        file,
        headerLine,
        required,
        `the header has no ${required} column (found: ${found})${hint}`,
      );
  }
  if (PRODUCT_COLUMNS.every((column) => index[column] === -1)) {
    throw new InputFileError(
      file,
      headerLine,
      "product_code",
      `the header needs a product column: product_code, product_codes or template_id (found: ${found})${hint}`,
    );
  }
  return { index, name, width: header.length };
}

/**
 * Rows checked ahead of the consumer: enough that a pass over a million rows awaits rarely, few
 * enough that they die young. A whole read's worth (~800 rows) outlived young-generation collections
 * and raised peak RSS by 30-50 MB at 100,000 rows.
 */
const CHECKED_BATCH_ROWS = 64;

async function* checkRecords(
  file: string,
  headerLine: number,
  batches: AsyncIterable<RawRecord[]>,
  columns: ColumnMap,
  options: InputOptions,
): AsyncGenerator<CheckedRow[]> {
  const seen = new FingerprintIndex();
  let row = 1;
  for await (const batch of batches) {
    let checkedRows: CheckedRow[] = [];
    for (const record of batch) {
      row++;
      const values = fitToHeader(record.cells, columns.width);
      const problems = new RowProblems(columns);
      const checked = checkRow(values, columns, options.catalog, problems);
      const result = checked ? identify(checked, row, seen, options.allowDuplicates, problems) : undefined;
      if (!checked) claimReference(cellOf(values, columns, "reference"), row, seen, problems);
      checkedRows.push({
        row,
        line: record.line,
        values,
        result: result ? { ok: true, order: result } : { ok: false, problems: problems.list },
      });
      if (checkedRows.length === CHECKED_BATCH_ROWS) {
        yield checkedRows;
        checkedRows = [];
      }
    }
    if (checkedRows.length > 0) yield checkedRows;
  }
  if (row === 1)
    throw new InputFileError(file, headerLine + 1, undefined, "the file has a header but no rows to order");
}

/** Gives a valid row its fingerprint, or reports it as a repeat of an earlier row. */
function identify(
  checked: CheckedContent,
  row: number,
  seen: FingerprintIndex,
  allowDuplicates: boolean,
  problems: RowProblems,
): OrderLine | undefined {
  const base = fingerprint(checked.fields);
  const earlier = seen.add(base, row);
  let rowFingerprint = base;
  if (earlier) {
    if (checked.fields.reference !== undefined) {
      problems.add("reference", referenceReused(checked.fields.reference, earlier.row));
      return undefined;
    }
    if (!allowDuplicates) {
      problems.add(
        "",
        `duplicate of row ${earlier.row} (same amount, currency, product, recipient and description); if both are intended, run with --allow-duplicates`,
      );
      return undefined;
    }
    rowFingerprint = occurrenceFingerprint(base, earlier.occurrence);
  }
  return new CheckedOrderLine(checked.order, rowFingerprint, checked.fields);
}

/**
 * An invalid row's reference is taken all the same: a reference used twice is reported on the later
 * row whether either row is otherwise valid or not, so fixing the other problems brings no surprise.
 */
function claimReference(reference: string, row: number, seen: FingerprintIndex, problems: RowProblems): void {
  if (reference === "") return;
  const earlier = seen.add(sha256Hex(referenceFingerprintText(reference)), row);
  if (earlier) problems.add("reference", referenceReused(reference, earlier.row));
}

function referenceReused(reference: string, earlierRow: number): string {
  return `reference "${reference}" is also used on row ${earlierRow}; each reference must be unique`;
}

/** The problems of one row, named by the header as the user wrote it. */
class RowProblems {
  readonly list: Problem[] = [];
  readonly #names: Record<KnownColumn, string>;

  constructor(columns: ColumnMap) {
    this.#names = columns.name;
  }

  add(column: KnownColumn | "", message: string): void {
    this.list.push({ column: column === "" ? "" : this.#names[column], message });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

/** One value per header column: short rows are padded, empty cells beyond the header dropped. */
function fitToHeader(cells: string[], width: number): string[] {
  if (cells.length === width) return cells;
  if (cells.length < width) return cells.concat(Array<string>(width - cells.length).fill(""));
  for (let at = width; at < cells.length; at++) if ((cells[at] ?? "").trim() !== "") return cells;
  return cells.slice(0, width);
}

interface CheckedContent {
  order: Omit<OrderLine, "fingerprint" | "contentId">;
  fields: FingerprintFields;
}

function cellOf(values: string[], columns: ColumnMap, column: KnownColumn): string {
  const at = columns.index[column];
  return at === -1 ? "" : (values[at] ?? "").trim();
}

/** Checks one row's cells; adds every problem found and returns the order when the content allows one. */
function checkRow(
  values: string[],
  columns: ColumnMap,
  catalog: Catalog,
  problems: RowProblems,
): CheckedContent | undefined {
  if (values.length > columns.width) {
    problems.add(
      "",
      `this row has ${values.length} cells but the header has ${columns.width} columns; a cell may contain an unquoted delimiter`,
    );
  }

  const amount = checkAmount(cellOf(values, columns, "amount"), problems);
  const currency = checkCurrency(cellOf(values, columns, "currency"), problems);
  const products = checkProducts(values, columns, catalog, problems);
  if (amount !== undefined && products) checkAmountAgainstProducts(amount, products, problems);
  if (currency !== undefined && products?.currency !== undefined && products.currency !== currency) {
    const what =
      products.entries.length === 1
        ? `${products.entries[0]?.code} is a ${products.currency} product`
        : `those products are ${products.currency}`;
    problems.add("currency", `the row says ${currency} but ${what}`);
  }

  const email = cellOf(values, columns, "email").toLowerCase();
  const distribution = checkDistribution(cellOf(values, columns, "distribution"), email, columns, problems);

  const description = cellOf(values, columns, "description");
  // Code points, not UTF-16 units; only counted when it could matter.
  const descriptionLength = description.length > MAX_DESCRIPTION_CHARS ? [...description].length : description.length;
  if (descriptionLength > MAX_DESCRIPTION_CHARS) {
    problems.add("description", `${descriptionLength} characters; Runa allows at most ${MAX_DESCRIPTION_CHARS}`);
  }
  const reference = cellOf(values, columns, "reference");

  if (!problems.empty || amount === undefined || currency === undefined || !products || !distribution) return undefined;
  const order: Omit<OrderLine, "fingerprint" | "contentId"> = {
    amount,
    currency,
    products: products.selection,
    distribution,
    country: products.country,
  };
  if (description !== "") order.description = description;
  if (reference !== "") order.reference = reference;
  const fields: CheckedContent["fields"] = { amount, currency, products: products.selection, distribution, email };
  if (description !== "") fields.description = description;
  if (reference !== "") fields.reference = reference;
  return { order, fields };
}

function checkAmount(text: string, problems: RowProblems): string | undefined {
  const parsed = parseAmount(text);
  if (!parsed.ok) {
    problems.add("amount", parsed.message);
    return undefined;
  }
  if (parsed.text === "0.00") {
    problems.add("amount", `"${text}" is zero; the amount must be greater than 0`);
    return undefined;
  }
  return parsed.text;
}

const CURRENCY_SHAPE = /^[A-Z]{3}$/;

function checkCurrency(text: string, problems: RowProblems): string | undefined {
  const code = text.toUpperCase();
  if (code === "") problems.add("currency", "empty; write the 3-letter ISO code, such as USD, GBP or EUR");
  else if (!CURRENCY_SHAPE.test(code))
    problems.add("currency", `"${text}" is not a currency code; write the 3-letter ISO code, such as USD, GBP or EUR`);
  else if (!isIso4217(code)) problems.add("currency", `"${text}" is not an ISO 4217 currency code`);
  else return code;
  return undefined;
}

interface CheckedProducts {
  selection: ProductSelection;
  /** Resolved catalog entries (none for TEMPLATE). */
  entries: OrderableCode[];
  /** The products' currency when known (not for TEMPLATE). */
  currency?: string;
  country: string;
}

/** A TEMPLATE id: "PT-" and a 26-character ULID (Crockford base32: no I, L, O, U). */
const TEMPLATE_ID = /^PT-[0-9A-HJKMNP-TV-Z]{26}$/;

function checkProducts(
  values: string[],
  columns: ColumnMap,
  catalog: Catalog,
  problems: RowProblems,
): CheckedProducts | undefined {
  const filled = PRODUCT_COLUMNS.filter((column) => cellOf(values, columns, column) !== "");
  const present = PRODUCT_COLUMNS.filter((column) => columns.index[column] !== -1).map(
    (column) => columns.name[column],
  );
  if (filled.length === 0) {
    problems.add(
      columns.index.product_code === -1 ? "" : "product_code",
      `no product: fill ${present.length === 1 ? present[0] : `one of ${present.join(", ")}`}`,
    );
    return undefined;
  }
  if (filled.length > 1) {
    problems.add(
      filled[1] ?? "",
      `fill only one of ${filled.map((column) => columns.name[column]).join(" and ")} on a row`,
    );
    return undefined;
  }
  const column = filled[0] ?? "product_code";
  const text = cellOf(values, columns, column);

  if (column === "template_id") {
    if (!TEMPLATE_ID.test(text)) {
      problems.add(
        column,
        `"${text}" is not a template id (PT- followed by 26 letters and digits, e.g. PT-01HQ12PV4B8XMBRTK281JM54KK)`,
      );
      return undefined;
    }
    // No endpoint lists templates, so the id's existence, currency and country are Runa's to check.
    return { selection: { type: "TEMPLATE", template_id: text }, entries: [], country: "" };
  }

  if (column === "product_code") {
    const entry = resolveCode(text, catalog, problems, column);
    if (!entry) return undefined;
    return {
      selection: { type: "SINGLE", value: entry.code },
      entries: [entry],
      currency: entry.currency,
      country: entry.countries[0] ?? "",
    };
  }

  const codes = text.split("|").map((code) => code.trim());
  if (codes.length < 2) {
    problems.add(
      column,
      `"${text}" names one product; a choice needs two or more codes separated by | (for one product use product_code)`,
    );
    return undefined;
  }
  if (codes.some((code) => code === "")) {
    problems.add(column, `"${text}" has an empty code; separate codes with | as in AMZ-US|TGT-US`);
    return undefined;
  }
  const repeated = codes.filter((code, at) => codes.indexOf(code) !== at);
  if (repeated.length > 0) {
    problems.add(column, `${[...new Set(repeated)].join(", ")} is listed more than once; each code may appear once`);
    return undefined;
  }
  const entries: OrderableCode[] = [];
  for (const code of codes) {
    const entry = resolveCode(code, catalog, problems, column);
    if (entry) entries.push(entry);
  }
  if (entries.length < codes.length) return undefined;
  const currencies = [...new Set(entries.map((entry) => entry.currency))];
  if (currencies.length > 1) {
    problems.add(
      column,
      `the products mix currencies (${entries.map((entry) => `${entry.code} ${entry.currency}`).join(", ")}); a choice must be in one currency`,
    );
    return undefined;
  }
  const [first, ...rest] = entries;
  const shared = (first?.countries ?? []).filter((country) => rest.every((entry) => entry.countries.includes(country)));
  if (shared.length === 0) {
    problems.add(
      column,
      `the products share no country they can be redeemed in (${entries.map((entry) => `${entry.code}: ${entry.countries.join("/") || "none"}`).join(", ")})`,
    );
    return undefined;
  }
  return {
    selection: { type: "MULTIPLE", values: codes },
    entries,
    currency: currencies[0] ?? "",
    country: shared[0] ?? "",
  };
}

function resolveCode(
  code: string,
  catalog: Catalog,
  problems: RowProblems,
  column: KnownColumn,
): OrderableCode | undefined {
  const entry = catalog.resolve(code);
  if (!entry) {
    const plans = catalog.planCodesOf(code);
    if (plans)
      problems.add(
        column,
        `${code} is a subscription; order one of its plans by plan code instead: ${plans.join(", ") || "(the catalog lists none)"}`,
      );
    else if (code !== code.toUpperCase() && catalog.resolve(code.toUpperCase()))
      problems.add(column, `unknown product "${code}"; codes are upper-case: did you mean ${code.toUpperCase()}?`);
    else
      problems.add(
        column,
        `unknown product "${code}": it is not in the catalog (run "runa-batch catalog" to list products)`,
      );
    return undefined;
  }
  if (!entry.orderable) {
    problems.add(column, `${code} cannot be ordered at the moment (the catalog marks it not orderable)`);
    return undefined;
  }
  return entry;
}

function checkAmountAgainstProducts(amount: string, products: CheckedProducts, problems: RowProblems): void {
  if (products.selection.type !== "SINGLE") {
    // Runa prices a choice (MULTIPLE) or a template link in whole units; the recipient picks the product later.
    if (!amount.endsWith(".00")) {
      const kind =
        products.selection.type === "MULTIPLE" ? "a choice of products (product_codes)" : "a template (template_id)";
      problems.add(
        "amount",
        `${amount} is not a whole amount; ${kind} needs a whole amount such as ${amount.slice(0, -3)}.00`,
      );
    }
    return;
  }
  const entry = products.entries[0];
  if (!entry) return;
  const denominations = entry.denominations;
  if (denominations.type === "fixed") {
    if (!denominations.values.has(amount))
      problems.add(
        "amount",
        `${amount} is not a denomination of ${entry.code}; choose one of ${denominations.list.join(", ")}`,
      );
  } else if (denominations.type === "open") {
    const cents = toCents(amount);
    if (cents < denominations.minimumCents || cents > denominations.maximumCents) {
      problems.add(
        "amount",
        `${amount} is outside ${entry.code}'s range ${denominations.minimumText} to ${denominations.maximumText}`,
      );
    }
  } else if (denominations.type === "plan" && denominations.price !== undefined && denominations.price !== amount) {
    problems.add("amount", `${entry.code} costs ${denominations.price}; the amount must be ${denominations.price}`);
  }
}

const DISTRIBUTIONS = new Set(["EMAIL", "PAYOUT_LINK"]);

function checkDistribution(
  text: string,
  email: string,
  columns: ColumnMap,
  problems: RowProblems,
): DistributionMethod | undefined {
  const requested = text.toUpperCase();
  if (requested !== "" && !DISTRIBUTIONS.has(requested)) {
    problems.add("distribution", `"${text}" is not a distribution; use EMAIL or PAYOUT_LINK`);
    return undefined;
  }
  const type = requested || (email === "" ? "PAYOUT_LINK" : "EMAIL");
  if (type === "PAYOUT_LINK") return { type: "PAYOUT_LINK" }; // an email given here is only carried along
  const column = columns.index.email === -1 ? "distribution" : "email";
  if (email === "") {
    problems.add(
      column,
      columns.index.email === -1
        ? "EMAIL needs an email column with the recipient's address"
        : "empty; distribution EMAIL needs the recipient's address",
    );
    return undefined;
  }
  if (!isEmailAddress(email)) {
    problems.add("email", `"${email}" is not a valid email address`);
    return undefined;
  }
  return { type: "EMAIL", email_address: email };
}

const EMAIL_LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const EMAIL_DOMAIN = /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}$/u;

/** A sane syntax check (not RFC 5322 in full): local@domain.tld, no spaces, no dots at the ends. */
export function isEmailAddress(email: string): boolean {
  if (email.length > 254) return false;
  const at = email.lastIndexOf("@");
  if (at <= 0 || at > 64) return false;
  return EMAIL_LOCAL.test(email.slice(0, at).toLowerCase()) && EMAIL_DOMAIN.test(email.slice(at + 1));
}
