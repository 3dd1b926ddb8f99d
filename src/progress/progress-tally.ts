// What the progress display shows, kept apart from how it is drawn: rows by outcome so far, the
// achieved order rate over the last minute, and the time left at that rate. Pure, clock injected.
import type { ProgressEvent, RunCounters } from "../batch/run-context.ts";

/** The achieved rate is measured over this window, so a slow start or a 429 pause fades out. */
export const RATE_WINDOW_MS = 60_000;

export interface ProgressView {
  /** What the run is doing now, e.g. "validating" or "sending". */
  stage: string;
  /** Rows in the file, and how many of them passed validation (undefined until validated). */
  rows?: { total: number; valid: number; invalid: number };
  /** Rows this run has to act on (sent, re-sent or polled); rows already COMPLETED are not counted. */
  toDo: number;
  alreadyDone: number;
  /** Rows whose order was answered by Runa (accepted or rejected) in this run. */
  sent: number;
  completed: number;
  failed: number;
  rejected: number;
  /** Outcome unknown after every retry: re-sent with the same key by the next run. */
  unknown: number;
  /** Still processing at the poll timeout: polled again by the next run. */
  pending: number;
  /** Rows finished one way or the other (the sum of the five above). */
  finished: number;
  posts: number;
  retries: number;
  rateLimited: number;
  /** Orders accepted per minute over the last minute (undefined before two data points). */
  ordersPerMinute: number | undefined;
  /** At the current rate of finished rows (undefined while unknown). */
  etaMs: number | undefined;
  elapsedMs: number;
}

interface Sample {
  at: number;
  accepted: number;
  finished: number;
}

export class ProgressTally {
  #stage = "starting";
  #rows: ProgressView["rows"];
  #toDo = 0;
  #alreadyDone = 0;
  #sent = 0;
  #completed = 0;
  #failed = 0;
  #rejected = 0;
  #unknown = 0;
  #pending = 0;
  #counters: Readonly<RunCounters> | undefined;
  #samples: Sample[] = [];
  readonly #startedAt: number;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#startedAt = now();
  }

  stage(stage: string): void {
    this.#stage = stage;
  }

  validated(rows: { total: number; valid: number; invalid: number }): void {
    this.#rows = rows;
  }

  /** Applies one event from the pipeline (RunDependencies.onProgress). */
  apply(event: ProgressEvent): void {
    this.#counters = event.counters;
    switch (event.type) {
      case "planned":
        this.#alreadyDone = event.counts.done;
        this.#toDo = event.counts.new + event.counts.repost + event.counts.poll;
        this.#stage = "sending";
        break;
      case "sent":
        if (event.outcome === "accepted") this.#sent += event.rows;
        else if (event.outcome === "rejected") {
          this.#sent += event.rows;
          this.#rejected += event.rows;
        } else if (event.outcome === "unresolved") this.#unknown += event.rows;
        break;
      case "polled":
        if (event.outcome === "COMPLETED") this.#completed += event.rows;
        else if (event.outcome === "FAILED") this.#failed += event.rows;
        else if (event.outcome === "pending") this.#pending += event.rows;
        break;
    }
    this.#sample();
  }

  view(): ProgressView {
    const now = this.#now();
    const finished = this.#completed + this.#failed + this.#rejected + this.#unknown + this.#pending;
    const counters = this.#counters;
    const retries = counters ? Object.values(counters.retries).reduce((sum, count) => sum + count, 0) : 0;
    const view: ProgressView = {
      stage: this.#stage,
      toDo: this.#toDo,
      alreadyDone: this.#alreadyDone,
      sent: this.#sent,
      completed: this.#completed,
      failed: this.#failed,
      rejected: this.#rejected,
      unknown: this.#unknown,
      pending: this.#pending,
      finished,
      posts: counters?.posts ?? 0,
      retries,
      rateLimited: counters?.retries.rate_limited ?? 0,
      ordersPerMinute: undefined,
      etaMs: undefined,
      elapsedMs: now - this.#startedAt,
    };
    if (this.#rows) view.rows = this.#rows;
    const oldest = this.#samples[0];
    const newest = this.#samples[this.#samples.length - 1];
    if (oldest && newest && now > oldest.at) {
      const minutes = (now - oldest.at) / 60_000;
      if (newest.accepted > oldest.accepted || this.#samples.length > 1)
        view.ordersPerMinute = (newest.accepted - oldest.accepted) / minutes;
      const rowsPerMs = (newest.finished - oldest.finished) / (now - oldest.at);
      const left = Math.max(0, this.#toDo - finished);
      if (left === 0) view.etaMs = 0;
      else if (rowsPerMs > 0) view.etaMs = left / rowsPerMs;
    }
    return view;
  }

  /** Keeps one sample at or before the window's start as the baseline, and every sample after it. */
  #sample(): void {
    const at = this.#now();
    const finished = this.#completed + this.#failed + this.#rejected + this.#unknown + this.#pending;
    this.#samples.push({ at, accepted: this.#counters?.accepted ?? 0, finished });
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? at) <= at - RATE_WINDOW_MS) this.#samples.shift();
  }
}
