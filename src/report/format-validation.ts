// The validation report for a terminal: each problem with its row and line, then the cost per currency.
import type { CurrencyCost } from "../input/cost-tally.ts";
import { formatProblem, type ValidationReport } from "../input/validation-report.ts";
import { table } from "./text-table.ts";

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
