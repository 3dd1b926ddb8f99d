// The progress arithmetic, on a clock moved by hand: rows by outcome, rate over the last minute, time left.
import { describe, expect, it } from "vitest";
import { newCounters } from "../../src/batch/run-context.ts";
import { fit, formatDuration, formatPlain } from "../../src/progress/format-progress.ts";
import { chooseOutput } from "../../src/progress/progress-reporter.ts";
import { ProgressTally } from "../../src/progress/progress-tally.ts";

describe("ProgressTally", () => {
  it("counts rows by outcome and estimates time left from the achieved rate", () => {
    let now = 0;
    const tally = new ProgressTally(() => now);
    const counters = newCounters();
    tally.apply({ type: "planned", counts: { done: 5, poll: 0, repost: 0, new: 100 }, counters });
    for (let i = 1; i <= 30; i += 1) {
      now = i * 1_000; // one order a second
      counters.accepted += 1;
      tally.apply({ type: "sent", outcome: "accepted", rows: 1, counters });
      tally.apply({ type: "polled", outcome: i % 10 === 0 ? "FAILED" : "COMPLETED", rows: 1, counters });
    }
    const view = tally.view();
    expect(view).toMatchObject({ toDo: 100, alreadyDone: 5, sent: 30, completed: 27, failed: 3, finished: 30 });
    expect(view.ordersPerMinute).toBeCloseTo(60, 0);
    expect(view.etaMs! / 1000).toBeCloseTo(70, 0); // 70 rows left at one a second
    expect(formatPlain(view, "b")).toBe(
      "progress: batch b: 30/100 rows done (5 already done earlier); sent 30, completed 27, failed 3, rejected 0, unknown 0, pending 0; 60.0 orders/min; 0 retries (0 rate limited); elapsed 30s; about 1m10s left",
    );
  });

  it("forgets what happened over a minute ago when measuring the rate", () => {
    let now = 0;
    const tally = new ProgressTally(() => now);
    const counters = newCounters();
    tally.apply({ type: "planned", counts: { done: 0, poll: 0, repost: 0, new: 1000 }, counters });
    for (let i = 1; i <= 120; i += 1) {
      now = i * 1_000;
      counters.accepted += i <= 60 ? 2 : 1; // 120/min for a minute, then 60/min
      tally.apply({ type: "sent", outcome: "accepted", rows: 1, counters });
    }
    expect(tally.view().ordersPerMinute).toBeCloseTo(60, 0);
  });
});

describe("formatting", () => {
  it.each([
    [0, "0s"],
    [59_400, "59s"],
    [61_000, "1m01s"],
    [3_723_000, "1h02m"],
  ])("formatDuration(%i) = %s", (ms, text) => expect(formatDuration(ms)).toBe(text));

  it("cuts a coloured line to the width without breaking an escape sequence", () => {
    expect(fit("ab\x1b[32mcdef\x1b[0m", 4)).toBe("ab\x1b[32mcd\x1b[0m");
    expect(fit("plain text", 5)).toBe("plain");
  });

  it.each([
    [
      { stderrIsTTY: true, quiet: false, env: {} },
      { mode: "terminal", terminal: true, colour: true },
    ],
    [
      { stderrIsTTY: true, quiet: false, env: { NO_COLOR: "1" } },
      { mode: "terminal", terminal: true, colour: false },
    ],
    [
      { stderrIsTTY: true, quiet: false, env: { TERM: "dumb" } },
      { mode: "plain", terminal: false, colour: false },
    ],
    [
      { stderrIsTTY: false, quiet: false, env: {} },
      { mode: "plain", terminal: false, colour: false },
    ],
    [
      { stderrIsTTY: false, quiet: false, env: { RUNA_BATCH_FORCE_TTY: "1" } },
      { mode: "terminal", terminal: true, colour: true },
    ],
    [
      { stderrIsTTY: true, quiet: true, env: {} },
      { mode: "off", terminal: true, colour: false },
    ],
  ])("chooseOutput(%j)", (input, expected) => expect(chooseOutput(input)).toEqual(expected));
});
