// Where a run's results go: one line per input data row, in input order, written by a ResultsWriter
// that counts what it writes, so the summary never reads the file back. One writer per format.
import { batchesOf, writeResults, type ResultLine, type ResultLines, type RowStatus } from "../csv/write-results.ts";
import { writeResultsJsonl } from "../csv/write-results-jsonl.ts";
import { STUCK_KEY } from "./plan-row.ts";

export const RESULTS_FORMATS = ["csv", "jsonl"] as const;
export type ResultsFormat = (typeof RESULTS_FORMATS)[number];

/** Row numbers kept per problem; the results file has them all. */
const MAX_LISTED_ROWS = 10;

/** Rows of one status and error type (an empty one for a status that carries none). */
export interface ProblemGroup {
  status: RowStatus;
  errorType: string;
  count: number;
  /** The first few row numbers, as in the results `row` column; every one for a stuck key (--rekey names them all). */
  rows: string[];
}

export interface ResultCounts {
  statuses: Record<RowStatus, number>;
  /** The rows not COMPLETED, grouped, in the order each group first appeared. */
  problems: ProblemGroup[];
}

export interface ResultsWriter {
  /**
   * Writes every line to `path`, replacing the file atomically (owner-only, never through a link),
   * and returns what it wrote. `input` is the input's header and delimiter.
   */
  write(
    path: string,
    input: { header: readonly string[]; delimiter: string },
    lines: ResultLines,
  ): Promise<ResultCounts>;
}

/** Results in `format`: the CSV (the input's delimiter, a BOM unless `bom` is false) or JSON lines. */
export function resultsWriter(format: ResultsFormat, options: { bom: boolean }): ResultsWriter {
  return {
    async write(path, input, lines) {
      const tally = new ResultTally();
      const counted = tally.count(lines);
      if (format === "jsonl") await writeResultsJsonl(path, input.header, counted);
      else await writeResults(path, input.header, counted, { delimiter: input.delimiter, bom: options.bom });
      return tally.counts();
    },
  };
}

/** Counts each line as it passes on its way to the file. */
export class ResultTally {
  readonly #statuses: Record<RowStatus, number> = {
    COMPLETED: 0,
    FAILED: 0,
    REJECTED: 0,
    PENDING: 0,
    INVALID: 0,
    ERROR: 0,
    NOT_SENT: 0,
  };
  readonly #problems = new Map<string, ProblemGroup>();

  async *count(lines: ResultLines): AsyncGenerator<readonly ResultLine[]> {
    for await (const batch of batchesOf(lines)) {
      for (const line of batch) this.add(line.result);
      yield batch;
    }
  }

  add(result: ResultLine["result"]): void {
    this.#statuses[result.status] += 1;
    if (result.status === "COMPLETED") return;
    const id = `${result.status}\0${result.error_type}`;
    const group = this.#problems.get(id) ?? { status: result.status, errorType: result.error_type, count: 0, rows: [] };
    group.count += 1;
    if (group.rows.length < MAX_LISTED_ROWS || group.errorType === STUCK_KEY) group.rows.push(result.row);
    this.#problems.set(id, group);
  }

  counts(): ResultCounts {
    return { statuses: { ...this.#statuses }, problems: [...this.#problems.values()] };
  }
}
