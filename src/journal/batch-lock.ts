// One run per batch at a time. The lock file names its owner; a lock whose process is gone (killed
// with -9, machine rebooted) is stale and taken over, so a crash never blocks the re-run.
import { hostname } from "node:os";
import { openSync, readFileSync, unlinkSync, writeSync, closeSync, fsyncSync } from "node:fs";
import { JournalRefusal } from "../errors.ts";
import { OWNER_ONLY } from "./journal-file.ts";

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export class BatchLock {
  private constructor(readonly path: string) {}

  static acquire(path: string, batchId: string): BatchLock {
    for (let tries = 0; tries < 2; tries += 1) {
      try {
        const fd = openSync(path, "wx", OWNER_ONLY);
        const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
        writeSync(fd, JSON.stringify(owner));
        fsyncSync(fd);
        closeSync(fd);
        return new BatchLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const owner = readOwner(path);
        if (owner && isAlive(owner)) {
          throw new JournalRefusal(
            `batch "${batchId}" is already being run by process ${owner.pid} on ${owner.host} since ${owner.startedAt}; ` +
              `wait for it to finish (lock: ${path})`,
            "batch_locked",
          );
        }
        unlinkSync(path); // stale: its owner is gone
      }
    }
    throw new JournalRefusal(`could not take the lock ${path}: another run is starting at the same moment`, "batch_locked");
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockOwner;
  } catch {
    return undefined; // torn by a crash while being written: nobody owns it
  }
}

function isAlive(owner: LockOwner): boolean {
  // A lock from another host can't be checked from here: treat it as held.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
