// The `validate` command's findings: every row problem with its place in the file, and what the
// valid rows would cost per currency, computed in decimal to the cent (never floats).
import { existsSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { Readable } from "node:stream";
import { dirname } from "node:path";
import Big from "big.js";
import { csvWriter } from "../csv/csv-format.ts";
import { AuthenticationError } from "../errors.ts";
import { centsToText, discountedCents, keptFraction, toCents, toMoneyText, type KeptFraction } from "../money.ts";
import type { RunaClient } from "../runa/client.ts";
import { openInput, type CheckedRow, type InputOptions, type Problem } from "./check-rows.ts";
import type { OrderLine } from "./order-line.ts";

/** The terminal report lists this many problems; the error CSV has them all. */
export const MAX_REPORTED_PROBLEMS = 1_000;

export interface RowProblem extends Problem {
  row: number;
  line: number;
}

export interface CurrencyCost {
  currency: string;
  rows: number;
  faceValue: string;
  discount: string;
  price: string;
  /** Rows whose discount is not known in advance (MULTIPLE, TEMPLATE, or no multiplier in the catalog): priced at face value. */
  undiscountedRows: number;
  /** Product-choice rows priced exactly by Runa's estimate (see price-estimates.ts). */
  estimatedRows?: number;
}

/** Product-choice (MULTIPLE) rows kept for POST /order/estimate, by currency; beyond a cap only counted. */
export interface ChoicesToEstimate {
  byCurrency: Map<string, { values: string[]; amount: string }[]>;
  /** Rows not kept because the cap was reached: then none is estimated. */
  overflow: number;
}

/** More product-choice rows than this are not estimated (memory stays flat, requests few). */
export const MAX_ESTIMATED_ROWS = 5_000;

export interface ValidationReport {
  file: string;
  rows: number;
  valid: number;
  invalid: number;
  /** The first MAX_REPORTED_PROBLEMS problems, in file order. */
  problems: RowProblem[];
  /** All problems found, including those beyond `problems`. */
  problemCount: number;
  /** Per currency, valid rows only, sorted by currency code. */
  costs: CurrencyCost[];
  /** The product-choice rows whose exact price Runa can estimate. */
  choices: ChoicesToEstimate;
  /** Set when exact prices were asked for and could not all be had (say why). */
  pricingNote?: string;
}

/** One streaming pass over the file: memory holds the report's first problems and one total per currency. */
export async function validateInput(file: string, options: InputOptions): Promise<ValidationReport> {
  const input = await openInput(file, options);
  const report: ValidationReport = {
    file,
    rows: 0,
    valid: 0,
    invalid: 0,
    problems: [],
    problemCount: 0,
    costs: [],
    choices: { byCurrency: new Map(), overflow: 0 },
  };
  const costs = new CostTally(options);
  for await (const row of input.rows) {
    report.rows++;
    if (row.result.ok) {
      report.valid++;
      costs.add(row.result.order);
      continue;
    }
    report.invalid++;
    for (const problem of row.result.problems) {
      report.problemCount++;
      if (report.problems.length < MAX_REPORTED_PROBLEMS)
        report.problems.push({ row: row.row, line: row.line, ...problem });
    }
  }
  report.costs = costs.totals();
  report.choices = costs.choices();
  return report;
}

/**
 * Sums per currency in integer cents (exact, and no object per row). Each row's price is rounded to
 * the cent on its own (face × (1 − multiplier), half-up), as Runa prices each item, and the discount
 * is face − price, so the totals add up exactly.
 */
export class CostTally {
  readonly #byCurrency = new Map<string, { rows: number; face: bigint; price: bigint; undiscounted: number }>();
  readonly #fractions = new Map<string, KeptFraction>();
  readonly #catalog: InputOptions["catalog"];
  readonly #choices: ChoicesToEstimate = { byCurrency: new Map(), overflow: 0 };
  #kept = 0;

  constructor(options: InputOptions) {
    this.#catalog = options.catalog;
  }

  add(order: OrderLine): void {
    let tally = this.#byCurrency.get(order.currency);
    if (!tally) {
      tally = { rows: 0, face: 0n, price: 0n, undiscounted: 0 };
      this.#byCurrency.set(order.currency, tally);
    }
    // A choice or a template is priced by what the recipient picks, unknown now: count it at face value.
    const multiplier = order.products.type === "SINGLE" ? this.#catalog.discountOf(order.products.value) : undefined;
    const face = toCents(order.amount);
    tally.rows++;
    tally.face += face;
    if (multiplier === undefined) {
      tally.undiscounted++;
      tally.price += face;
      if (order.products.type === "MULTIPLE") this.#keepChoice(order.currency, order.products.values, order.amount);
    } else {
      tally.price += discountedCents(face, this.#fraction(multiplier));
    }
  }

  #keepChoice(currency: string, values: string[], amount: string): void {
    if (this.#kept >= MAX_ESTIMATED_ROWS) {
      this.#choices.overflow++;
      return;
    }
    this.#kept++;
    const list = this.#choices.byCurrency.get(currency) ?? [];
    list.push({ values, amount });
    this.#choices.byCurrency.set(currency, list);
  }

  /** The product-choice rows to price with Runa's estimate (see price-estimates.ts). */
  choices(): ChoicesToEstimate {
    return this.#choices;
  }

  #fraction(multiplier: string): KeptFraction {
    let fraction = this.#fractions.get(multiplier);
    if (!fraction) {
      fraction = keptFraction(multiplier);
      this.#fractions.set(multiplier, fraction);
    }
    return fraction;
  }

  totals(): CurrencyCost[] {
    return [...this.#byCurrency.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, tally]) => ({
        currency,
        rows: tally.rows,
        faceValue: centsToText(tally.face),
        discount: centsToText(tally.face - tally.price),
        price: centsToText(tally.price),
        undiscountedRows: tally.undiscounted,
      }));
  }
}

export function formatProblem(problem: Problem): string {
  return problem.column === "" ? problem.message : `${problem.column}: ${problem.message}`;
}

/** The per-row error report and the cost summary, for a terminal. */
export function formatReport(report: ValidationReport): string {
  const lines: string[] = [];
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  lines.push(`${report.file}: ${plural(report.rows, "row")}, ${report.valid} valid, ${report.invalid} invalid`);
  if (report.problemCount > 0) {
    lines.push("", `${plural(report.problemCount, "problem")}:`);
    for (const problem of report.problems)
      lines.push(`  row ${problem.row} (line ${problem.line}) ${formatProblem(problem)}`);
    const more = report.problemCount - report.problems.length;
    if (more > 0) lines.push(`  ... and ${plural(more, "more problem")}: the error CSV lists them all`);
  }
  if (report.costs.length > 0) {
    lines.push("", report.invalid === 0 ? "Cost by currency:" : "Cost by currency (valid rows only):");
    lines.push(
      ...table(
        ["currency", "rows", "face value", "discount", "price"],
        report.costs.map((cost) => [cost.currency, String(cost.rows), cost.faceValue, cost.discount, cost.price]),
        [false, true, true, true, true],
      ).map((line) => `  ${line}`),
    );
    lines.push(...pricingLines(report.costs, report.pricingNote));
  }
  return `${lines.join("\n")}\n`;
}

/** What the prices above rest on: Runa's estimate, or face value where the discount is not known. */
export function pricingLines(costs: CurrencyCost[], note: string | undefined): string[] {
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  const lines: string[] = [];
  const estimated = costs.reduce((total, cost) => total + (cost.estimatedRows ?? 0), 0);
  const undiscounted = costs.reduce((total, cost) => total + cost.undiscountedRows, 0);
  if (estimated > 0)
    lines.push(`  ${plural(estimated, "product-choice row")} priced exactly by Runa (POST /order/estimate).`);
  if (note) lines.push(`  ${note}`);
  if (undiscounted > 0) {
    lines.push(
      `  ${plural(undiscounted, "row")} (templates, products without a listed discount, or choices not estimated) counted at face value: their discount is known only when ordered.`,
    );
  }
  return lines;
}

/** Left/right-aligned columns; `right[i]` right-aligns column i (numbers). */
export function table(headings: string[], rows: string[][], right: boolean[] = []): string[] {
  const widths = headings.map((heading, at) => Math.max(heading.length, ...rows.map((row) => (row[at] ?? "").length)));
  const render = (cells: string[]) =>
    cells
      .map((cell, at) => (right[at] ? cell.padStart(widths[at] ?? 0) : cell.padEnd(widths[at] ?? 0)))
      .join("  ")
      .trimEnd();
  return [render(headings), ...rows.map(render)];
}

import { neutraliseFormula, writeFileAtomically } from "../csv/safe-file.ts";

export { neutraliseFormula };

/**
 * Writes the invalid rows for the person who fixes the file: `row` (as the spreadsheet numbers it)
 * and `error` first, then the original columns. Only invalid rows: row numbers point into the
 * original, which stays the file to fix, so nobody re-submits a copy altered by the formula guard.
 * Owner-only (0600), UTF-8 with a BOM (Excel reads it right), atomic (temp file + fsync + rename).
 * Returns the number of rows written.
 */
export async function writeErrorCsv(file: string, options: InputOptions, out: string, bom: boolean): Promise<number> {
  const input = await openInput(file, options);
  await mkdir(dirname(out), { recursive: true });
  let written = 0;
  const records = Readable.from(
    (async function* () {
      yield ["row", "error", ...input.header].map(neutraliseFormula); // a header is a cell too
      for await (const row of input.rows) {
        if (row.result.ok) continue;
        written++;
        yield [String(row.row), errorCell(row), ...row.values].map(neutraliseFormula);
      }
    })(),
  );
  await writeFileAtomically(out, records, csvWriter({ delimiter: input.delimiter, bom }));
  return written;
}

/**
 * Removes the error CSV an earlier check left at `out`, now that the file is valid: a stale one would
 * say rows are wrong that are not. True when there was one.
 */
export function removeStaleErrorCsv(out: string): boolean {
  if (!existsSync(out)) return false;
  rmSync(out, { force: true });
  return true;
}

function errorCell(row: CheckedRow): string {
  return row.result.ok ? "" : row.result.problems.map(formatProblem).join("; ");
}

export interface BalanceCheck {
  currency: string;
  /** What the valid rows would cost. */
  price: string;
  balance?: string;
  /** How much is missing, when the balance is below the price. */
  shortfall?: string;
  /** Why the balance is unknown. */
  error?: string;
}

/** GET /balance per currency; a balance that cannot be read is reported, not fatal (except a refused key). */
export async function checkBalances(
  client: Pick<RunaClient, "getBalance">,
  costs: CurrencyCost[],
): Promise<BalanceCheck[]> {
  const checks: BalanceCheck[] = [];
  for (const cost of costs) {
    const check: BalanceCheck = { currency: cost.currency, price: cost.price };
    const result = await client.getBalance(cost.currency);
    if (
      result.kind === "ok" &&
      typeof result.body?.balance === "string" &&
      /^-?\d+(?:\.\d+)?$/.test(result.body.balance)
    ) {
      check.balance = toMoneyText(result.body.balance);
      const missing = new Big(cost.price).minus(result.body.balance);
      if (missing.gt(0)) check.shortfall = toMoneyText(missing);
    } else if (result.kind === "http_error" && (result.status === 401 || result.status === 403)) {
      throw new AuthenticationError(
        `Runa refused the API key while reading the ${cost.currency} balance (${result.status} ${result.error.type})`,
      );
    } else {
      check.error =
        result.kind === "ok"
          ? "unexpected answer"
          : result.kind === "http_error"
            ? `${result.status} ${result.error.type}`
            : result.message;
    }
    checks.push(check);
  }
  return checks;
}

/**
 * The balance lines under the cost summary, with a warning per shortfall. In the playground a
 * shortfall is only information: Runa accepts every playground order whatever the balance.
 */
export function formatBalances(checks: BalanceCheck[], playground = false): string {
  if (checks.length === 0) return "";
  const lines = [
    "Account balance:",
    ...table(
      ["currency", "price", "balance", "shortfall"],
      checks.map((check) => [
        check.currency,
        check.price,
        check.balance ?? `unknown (${check.error ?? "?"})`,
        check.shortfall ?? "",
      ]),
      [false, true, true, true],
    ).map((line) => `  ${line}`),
  ];
  for (const check of checks) {
    if (check.shortfall !== undefined && playground) {
      lines.push(
        `Note: the ${check.currency} balance is ${check.shortfall} short of the ${check.price} this file costs; the playground accepts orders whatever the balance, production would not.`,
      );
    } else if (check.shortfall !== undefined) {
      lines.push(
        `WARNING: the ${check.currency} balance (${check.balance}) is ${check.shortfall} short of the ${check.price} this file costs; top up before running, or rows will fail with insufficient_funds.`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
