// What the user sees for a fixture: the problem lines of `validate`, or the one-line error main.ts
// prints for a file that cannot be read. Shared by the corpus test and by scripts that refresh the
// recorded expectations.
import { formatProblem, validateInput } from "../../src/input/validation-report.ts";
import type { InputOptions } from "../../src/input/check-rows.ts";
import { InputFileError } from "../../src/errors.ts";

export async function userSees(file: string, options: InputOptions): Promise<string> {
  try {
    const report = await validateInput(file, options);
    return report.problems
      .map((problem) => `row ${problem.row} (line ${problem.line}) ${formatProblem(problem)}`)
      .join("\n");
  } catch (error) {
    if (error instanceof InputFileError) return `runa-batch: ${error.message}`;
    throw error;
  }
}
