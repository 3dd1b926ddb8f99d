// The `validate` command's findings: every row problem with its place in the file, and what the
// valid rows would cost per currency (see cost-tally.ts). Formatting for a terminal is report/'s job.
import { CostTally, type ChoicesToEstimate, type CurrencyCost } from "./cost-tally.ts";
import { openInput, type InputOptions, type Problem } from "./check-rows.ts";

/** The terminal report lists this many problems; the error CSV has them all. */
export const MAX_REPORTED_PROBLEMS = 1_000;

export interface RowProblem extends Problem {
  row: number;
  line: number;
}

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
    file: options.displayName ?? file, // run validates a private copy: name the file the user gave
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

export function formatProblem(problem: Problem): string {
  return problem.column === "" ? problem.message : `${problem.column}: ${problem.message}`;
}
