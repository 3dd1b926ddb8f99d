// Where progress goes while a batch runs, on stderr (stdout is kept for the final summary):
//   terminal  a few lines redrawn in place, at most REDRAW_MS apart, coloured unless NO_COLOR;
//   plain     one "progress:" line every --progress-interval seconds, no escape codes (cron, CI);
//   off       nothing (--quiet).
// Notes (signals, warnings) are printed above the live lines in every mode but off.
import type { ProgressEvent } from "../batch/run-context.ts";
import { COLOURS, formatPlain, formatTerminal, NO_COLOURS } from "./format-progress.ts";
import { ProgressTally } from "./progress-tally.ts";

/** A person can read about four updates a second; more only costs CPU and flicker. */
export const REDRAW_MS = 250;
/** Width assumed when a forced terminal reports none. */
const FALLBACK_COLUMNS = 100;

export type ProgressMode = "terminal" | "plain" | "off";

export interface OutputChoice {
  mode: ProgressMode;
  /** stderr is a person's terminal: no JSON there, whatever the mode. */
  terminal: boolean;
  colour: boolean;
}

/**
 * Terminal mode when stderr is a terminal (or RUNA_BATCH_FORCE_TTY=1, for tests and odd wrappers)
 * and TERM is not "dumb"; colour unless NO_COLOR is set to anything (https://no-color.org).
 */
export function chooseOutput(options: { stderrIsTTY: boolean; quiet: boolean; env?: NodeJS.ProcessEnv }): OutputChoice {
  const env = options.env ?? process.env;
  const terminal = (options.stderrIsTTY || env.RUNA_BATCH_FORCE_TTY === "1") && env.TERM !== "dumb";
  if (options.quiet) return { mode: "off", terminal, colour: false };
  return { mode: terminal ? "terminal" : "plain", terminal, colour: terminal && !env.NO_COLOR };
}

export interface ReporterOptions extends OutputChoice {
  batchId: string;
  stream: { write(text: string): unknown; columns?: number | undefined };
  /** Plain mode: seconds between lines; 0 prints none. */
  intervalS: number;
  now?: () => number;
}

export class ProgressReporter {
  readonly tally: ProgressTally;
  readonly #options: ReporterOptions;
  #timer: NodeJS.Timeout | undefined;
  /** Terminal mode: how many lines the live display has on screen, and what they say. */
  #drawn: string[] = [];

  constructor(options: ReporterOptions) {
    this.#options = options;
    this.tally = new ProgressTally(options.now);
    if (options.mode === "terminal") this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
    else if (options.mode === "plain" && options.intervalS > 0)
      this.#timer = setInterval(() => this.#line(), options.intervalS * 1000);
    this.#timer?.unref(); // never keeps the process alive on its own
  }

  get mode(): ProgressMode {
    return this.#options.mode;
  }

  stage(stage: string): void {
    this.tally.stage(stage);
    this.#draw();
  }

  validated(rows: { total: number; valid: number; invalid: number }): void {
    this.tally.validated(rows);
  }

  /** The pipeline's hook (RunDependencies.onProgress). Never throws: progress must not stop a payment run. */
  readonly update = (event: ProgressEvent): void => {
    try {
      this.tally.apply(event);
    } catch {
      // a display fault is not worth an order
    }
  };

  /** A message for the person watching (in every mode, --quiet too), printed above the live display. */
  note(text: string): void {
    const line = text.endsWith("\n") ? text : `${text}\n`;
    if (this.#options.mode !== "terminal") {
      this.#options.stream.write(line);
      return;
    }
    const drawn = this.#drawn;
    this.#erase();
    this.#options.stream.write(line);
    if (drawn.length > 0 && this.#timer) this.#draw(true);
  }

  /** Runs `task` (e.g. a question on the terminal) with the live display cleared and held still. */
  async aside<T>(task: () => Promise<T>): Promise<T> {
    const timer = this.#timer;
    if (!timer || this.#options.mode !== "terminal") return task();
    clearInterval(timer);
    this.#timer = undefined;
    this.#erase();
    try {
      return await task();
    } finally {
      this.#timer = setInterval(() => this.#draw(), REDRAW_MS);
      this.#timer.unref();
    }
  }

  /** Stops redrawing and clears the live lines, so the summary that follows stands alone. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#options.mode === "terminal") this.#erase();
  }

  #draw(force = false): void {
    if (this.#options.mode !== "terminal" || (!this.#timer && !force)) return;
    const width = Math.max(20, (this.#options.stream.columns || FALLBACK_COLUMNS) - 1); // 0 when a pty has no size yet
    const lines = formatTerminal(
      this.tally.view(),
      this.#options.batchId,
      this.#options.colour ? COLOURS : NO_COLOURS,
      width,
    );
    if (!force && lines.join("\n") === this.#drawn.join("\n")) return;
    this.#erase();
    this.#options.stream.write(lines.join("\n"));
    this.#drawn = lines;
  }

  /** Clears the live lines: the cursor rests at the end of the last one. */
  #erase(): void {
    if (this.#drawn.length === 0) return;
    this.#options.stream.write(`\r\x1b[2K${"\x1b[1A\x1b[2K".repeat(this.#drawn.length - 1)}`);
    this.#drawn = [];
  }

  #line(): void {
    this.#options.stream.write(`${formatPlain(this.tally.view(), this.#options.batchId)}\n`);
  }
}
