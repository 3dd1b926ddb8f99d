// Releases N processes at the same moment on one batch lock, round after round, and counts how
// often more than one held it at once (must be never). Used by the lock test and bench/lock-race.ts.
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./cli.ts";

/** Above Linux's pid_max: never a live process. */
const DEAD_PID = 2 ** 22 + 17;

interface Report {
  round: number;
  held: boolean;
  overlap: boolean;
  error?: string;
}

export interface RaceFigures {
  rounds: number;
  processes: number;
  /** Rounds in which two processes held the lock at once. */
  overlaps: number;
  /** Rounds in which nobody got the lock (every process stepped back). */
  noHolder: number;
  /** Acquisitions over all rounds (several per round when one releases before another tries). */
  acquisitions: number;
  errors: string[];
  elapsedMs: number;
}

/**
 * `staleFirst` plants, before each round, an entry left by a process that is gone: every racer
 * then also races to clear it, the case where two runs used to delete each other's fresh lock.
 */
export async function raceForLock(
  processes: number,
  rounds: number,
  { holdMs = 5, staleFirst = false } = {},
): Promise<RaceFigures> {
  const directory = mkdtempSync(join(tmpdir(), "runa-lock-race-"));
  const lockPath = join(directory, "stress.lock");
  const children: ChildProcess[] = [];
  const pending = new Map<ChildProcess, (report: Report) => void>();
  const ready: Promise<void>[] = [];
  for (let i = 0; i < processes; i += 1) {
    const child = fork(join(REPO_ROOT, "test", "helpers", "lock-contender.mjs"), [lockPath, directory], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.push(child);
    ready.push(new Promise((resolve) => child.once("message", () => resolve())));
    child.on("message", (message: Report) => {
      const resolve = pending.get(child);
      pending.delete(child);
      resolve?.(message);
    });
  }
  await Promise.all(ready);
  const figures: RaceFigures = {
    rounds,
    processes,
    overlaps: 0,
    noHolder: 0,
    acquisitions: 0,
    errors: [],
    elapsedMs: 0,
  };
  const started = Date.now();
  try {
    for (let round = 0; round < rounds; round += 1) {
      if (staleFirst) {
        mkdirSync(lockPath, { recursive: true, mode: 0o700 });
        writeFileSync(
          join(lockPath, `stale-${round}.owner`),
          JSON.stringify({ pid: DEAD_PID, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }),
        );
        writeFileSync(join(lockPath, `stale-${round}.owner.held`), "");
      }
      const reports = Promise.all(
        children.map((child) => new Promise<Report>((resolve) => pending.set(child, resolve))),
      );
      for (const child of children) child.send({ round, holdMs }); // back to back: the same moment, as near as the OS allows
      const answers = await reports;
      const held = answers.filter((answer) => answer.held).length;
      figures.acquisitions += held;
      if (held === 0) figures.noHolder += 1;
      if (answers.some((answer) => answer.overlap)) figures.overlaps += 1;
      for (const answer of answers) if (answer.error) figures.errors.push(answer.error);
    }
  } finally {
    for (const child of children) child.send("exit");
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(undefined))),
      ),
    );
  }
  figures.elapsedMs = Date.now() - started;
  return figures;
}
