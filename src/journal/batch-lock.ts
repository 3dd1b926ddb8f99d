// One run per batch at a time, with no instant at which two runs both hold the lock.
//
// The lock is a directory; each run that wants it adds its own entry (written whole under a temp
// name, then renamed in) and then lists the directory. It holds the lock only if no other live
// entry is there: of two runs that arrive together, the later lister always sees the earlier
// entry, so at most one can pass. An entry is never renamed once in (a listing may miss a file
// renamed while it reads); the winner adds a `.held` companion instead. A run that sees only other
// *contenders* steps back for a random moment and tries again; one that sees a *holder* is
// refused at once. Nothing ever deletes a live run's entry: only entries whose owner is gone are
// removed, so a stale lock is taken over without the race of "two runs clear the same stale lock
// and delete each other's".
//
// Staleness: on this host, an entry whose process is gone (kill -9, reboot). From another host (a
// container restarted under a new name, a shared disk), the process cannot be checked, so the
// holder touches its entry every LOCK_REFRESH_MS and an entry untouched for LOCK_STALE_MS is stale.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { basename, join } from "node:path";
import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from "node:fs";
import { ensurePrivateDirectory, openPrivateFile } from "../csv/safe-file.ts";
import { JournalRefusal } from "../errors.ts";

/** How often a holder proves it is alive to runs on other hosts. */
export const LOCK_REFRESH_MS = 20_000;
/** An entry from another host not refreshed for this long is stale: its run is gone. */
export const LOCK_STALE_MS = 2 * 60_000;
/** Tries when only other contenders are in the way (never when a holder is). */
const CONTENDED_TRIES = 12;
const CONTENDED_BACKOFF_MS = 15;

const ENTRY = ".owner";
const HELD = ".held";
const TEMPORARY = ".tmp";
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

interface Entry {
  name: string;
  owner?: LockOwner;
  held: boolean;
  /** Last refresh (the entry's mtime). */
  touchedAt: number;
}

export interface LockOptions {
  now?: () => number;
  /** Waits between contended tries (tests pass a fast one). */
  sleep?: (ms: number) => void;
}

export class BatchLock {
  readonly #entry: string;
  readonly #refresh: NodeJS.Timeout;

  private constructor(
    readonly path: string,
    entry: string,
  ) {
    this.#entry = entry;
    this.#refresh = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(entry, now, now);
      } catch {
        // gone (taken over after a long stall, or the disk failed): the run's own writes will say so
      }
    }, LOCK_REFRESH_MS);
    this.#refresh.unref();
  }

  static acquire(path: string, batchId: string, options: LockOptions = {}): BatchLock {
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? sleepSync;
    removeLegacyLockFile(path, batchId);
    let contenders: Entry[] = [];
    for (let tries = 0; tries < CONTENDED_TRIES; tries += 1) {
      if (tries > 0) sleep(Math.floor(Math.random() * CONTENDED_BACKOFF_MS * Math.min(tries, 6)) + 1);
      ensurePrivateDirectory(path);
      const mine = writeEntry(path);
      if (mine === undefined) continue; // the directory was removed by a run releasing it: try again
      const others = liveEntries(path, now()).filter((entry) => entry.name !== basename(mine));
      if (others.length === 0) {
        closeSync(openPrivateFile(mine + HELD, CREATE_NEW)); // for others' messages only: safety rests on the entry
        return new BatchLock(path, mine);
      }
      removeQuietly(mine);
      const holder = others.find((entry) => entry.held);
      if (holder) throw lockedBy(holder, path, batchId, now());
      contenders = others;
    }
    const who = contenders.map((entry) => describeOwner(entry, now())).join("; ");
    throw new JournalRefusal(
      `could not take the lock of batch "${batchId}": other runs are starting at the same moment (${who}); try again (lock: ${path})`,
      "batch_locked",
    );
  }

  release(): void {
    clearInterval(this.#refresh);
    removeQuietly(this.#entry);
    removeQuietly(this.#entry + HELD);
    try {
      rmdirSync(this.path); // only if empty: another run may be arriving
    } catch {
      // not empty, or already gone
    }
  }
}

/** Writes this run's entry whole, then renames it in, so a lister never sees half of one. */
function writeEntry(directory: string): string | undefined {
  const name = `${process.pid}-${randomBytes(8).toString("hex")}`;
  const temporary = join(directory, `.${name}${TEMPORARY}`);
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  let fd: number;
  try {
    fd = openPrivateFile(temporary, CREATE_NEW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const entry = join(directory, name + ENTRY);
  try {
    renameSync(temporary, entry);
  } catch (error) {
    removeQuietly(temporary);
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return entry;
}

/**
 * Every entry whose owner may still be running; stale ones (and temp files of runs that died
 * writing one) are removed on the way: their owners are gone.
 */
function liveEntries(directory: string, now: number): Entry[] {
  const names = readdirSync(directory);
  const held = new Set(names.filter((name) => name.endsWith(HELD)).map((name) => name.slice(0, -HELD.length)));
  const live: Entry[] = [];
  for (const name of names) {
    if (name.endsWith(TEMPORARY)) {
      if (!isAlive(Number(name.slice(1).split("-")[0]))) removeQuietly(join(directory, name));
      continue;
    }
    if (!name.endsWith(ENTRY)) continue;
    const entry = readEntry(join(directory, name), held.has(name));
    if (!entry) continue; // removed meanwhile
    if (isStale(entry, now)) {
      removeQuietly(join(directory, name));
      removeQuietly(join(directory, name + HELD));
    } else live.push(entry);
  }
  return live;
}

function readEntry(path: string, held: boolean): Entry | undefined {
  try {
    const touchedAt = statSync(path).mtimeMs;
    const entry: Entry = { name: basename(path), held, touchedAt };
    try {
      entry.owner = JSON.parse(readFileSync(path, "utf8")) as LockOwner;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      // unreadable: judged by its age alone
    }
    return entry;
  } catch {
    return undefined;
  }
}

function isStale(entry: Entry, now: number): boolean {
  if (entry.owner?.host === hostname()) return !isAlive(entry.owner.pid);
  return now - entry.touchedAt > LOCK_STALE_MS;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function lockedBy(holder: Entry, path: string, batchId: string, now: number): JournalRefusal {
  const foreign = holder.owner?.host !== hostname();
  const rule = foreign
    ? ` A lock from another host is taken over once its run stops refreshing it for ${LOCK_STALE_MS / 60_000} minutes; if that host is gone, wait that long or delete ${join(path, holder.name)}.`
    : " Wait for it to finish, or stop it (Ctrl-C once lets it finish its requests in flight).";
  return new JournalRefusal(
    `batch "${batchId}" is already being run by ${describeOwner(holder, now)}.${rule} (lock: ${path})`,
    "batch_locked",
  );
}

function describeOwner(entry: Entry, now: number): string {
  const age = `refreshed ${Math.round((now - entry.touchedAt) / 1000)} s ago`;
  if (!entry.owner) return `an unknown process (${age})`;
  const { pid, host, startedAt } = entry.owner;
  return `process ${pid} on ${host} since ${startedAt} (${age})`;
}

/**
 * Versions before the lock directory kept a single file at the same path. One whose owner is gone
 * (this host) is removed; one that may be live refuses, as it did then.
 */
function removeLegacyLockFile(path: string, batchId: string): void {
  let isFile: boolean;
  try {
    isFile = lstatSync(path).isFile();
  } catch {
    return;
  }
  if (!isFile) return;
  const entry = readEntry(path, true);
  if (entry && !isStale(entry, Date.now()))
    throw lockedBy({ ...entry, held: true, name: "" }, path, batchId, Date.now());
  try {
    unlinkSync(path); // fails on a directory put here meanwhile: then that is the lock
  } catch {
    // gone already, or now a directory
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** The lock is taken before any async work starts; a short synchronous wait keeps acquire simple. */
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
