// The batch lock: one holder at a time even when many runs start at the same instant; a lock
// whose run is gone is taken over without ever removing a live run's entry; a lock from another
// host is reported with its host, process and age, and taken over once it stops being refreshed.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchLock, LOCK_STALE_MS } from "../../src/journal/batch-lock.ts";
import { JournalRefusal } from "../../src/errors.ts";
import { raceForLock } from "../helpers/lock-race.ts";

const DEAD_PID = 2 ** 22 + 17; // above Linux's pid_max: never alive
const noWait = { sleep: () => undefined };

function lockPath(): string {
  return join(mkdtempSync(join(tmpdir(), "runa-lock-")), "b.lock");
}

/** An entry as another run would leave it. */
function plantEntry(path: string, name: string, owner: object, { held = true, ageMs = 0 } = {}): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const entry = join(path, `${name}.owner`);
  writeFileSync(entry, JSON.stringify(owner));
  if (held) writeFileSync(`${entry}.held`, "");
  const at = new Date(Date.now() - ageMs);
  utimesSync(entry, at, at);
  return entry;
}

describe("BatchLock", () => {
  it("refuses a second holder, naming the process, host and age; released, it leaves nothing behind", () => {
    const path = lockPath();
    const lock = BatchLock.acquire(path, "b");
    let refusal: unknown;
    try {
      BatchLock.acquire(path, "b", noWait);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(JournalRefusal);
    expect((refusal as Error).message).toMatch(
      new RegExp(`already being run by process ${process.pid} on ${hostname()} since \\d{4}-.*refreshed \\d+ s ago`),
    );
    lock.release();
    expect(existsSync(path)).toBe(false);
    BatchLock.acquire(path, "b").release();
  });

  it("takes over an entry whose process is gone on this host, and removes it", () => {
    const path = lockPath();
    const stale = plantEntry(path, "old", { pid: DEAD_PID, host: hostname(), startedAt: "2026-01-01T00:00:00Z" });
    const lock = BatchLock.acquire(path, "b");
    expect(existsSync(stale)).toBe(false);
    lock.release();
  });

  it("never removes a live run's entry: a contender that is still there makes it step back, then give up", () => {
    const path = lockPath();
    const live = plantEntry(
      path,
      "contender",
      { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() },
      { held: false },
    );
    expect(() => BatchLock.acquire(path, "b", noWait)).toThrow(/other runs are starting at the same moment/);
    expect(existsSync(live)).toBe(true);
    expect(readdirSync(path)).toEqual(["contender.owner"]);
  });

  it("reports a lock from another host with host, process and age, and takes it over once unrefreshed for the stale limit", () => {
    const path = lockPath();
    const owner = { pid: 4242, host: "old-container-name", startedAt: "2026-11-01T10:00:00.000Z" };
    const entry = plantEntry(path, "foreign", owner, { ageMs: 30_000 });
    expect(() => BatchLock.acquire(path, "b", noWait)).toThrow(
      /process 4242 on old-container-name since 2026-11-01T10:00:00.000Z \(refreshed 30 s ago\).*taken over once its run stops refreshing it for 2 minutes/,
    );
    expect(existsSync(entry)).toBe(true);
    const at = new Date(Date.now() - LOCK_STALE_MS - 5_000);
    utimesSync(entry, at, at);
    BatchLock.acquire(path, "b").release();
    expect(existsSync(entry)).toBe(false);
  });

  it("reads a single-file lock of earlier versions: live refuses, gone is taken over", () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
    expect(() => BatchLock.acquire(path, "b", noWait)).toThrow(/already being run by process/);
    writeFileSync(path, JSON.stringify({ pid: DEAD_PID, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }));
    BatchLock.acquire(path, "b").release();
  });

  it("refuses a lock directory that is a symbolic link", () => {
    const path = lockPath();
    mkdirSync(`${path}-elsewhere`);
    symlinkSync(`${path}-elsewhere`, path);
    expect(() => BatchLock.acquire(path, "b")).toThrow(/is a symbolic link/);
  });

  it.each([
    ["a free lock", false],
    ["a stale lock (its process gone) that every one of them tries to clear", true],
  ])(
    "has exactly one holder at a time when 8 processes race for %s, 100 rounds",
    async (_, staleFirst) => {
      const figures = await raceForLock(8, 100, { staleFirst });
      expect(figures.errors).toEqual([]);
      expect(figures.overlaps, "rounds with two holders at once").toBe(0);
      expect(figures.noHolder, "rounds nobody won").toBeLessThan(100);
      expect(figures.acquisitions).toBeGreaterThanOrEqual(100 - figures.noHolder);
    },
    120_000,
  );
});
