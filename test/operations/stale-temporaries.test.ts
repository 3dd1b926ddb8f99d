// A run killed while writing its results leaves a temp file of redemption links beside them; the
// next write of that results file removes it, and never one a running process is still writing.
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { expect, it } from "vitest";
import { writeFileAtomically } from "../../src/csv/safe-file.ts";

/** Far above any pid Linux hands out (pid_max is at most 2^22): a process that cannot be running. */
const GONE_PID = 2 ** 30;

it("removes temp files of its results left by dead processes, and only those", async () => {
  const dir = mkdtempSync(join(tmpdir(), "stale-"));
  const results = join(dir, "rewards.results.csv");
  const dead = join(dir, `rewards.results.csv.${GONE_PID}.0123456789ab.tmp`);
  const live = join(dir, `rewards.results.csv.${process.ppid}.0123456789ab.tmp`); // a running process
  const other = join(dir, `other.results.csv.${GONE_PID}.0123456789ab.tmp`); // another file's
  const deadLink = join(dir, `rewards.results.csv.${GONE_PID}.ba9876543210.tmp`);
  const target = join(dir, "kept.txt");
  for (const path of [dead, live, other, target]) writeFileSync(path, "https://pay.example/link", { mode: 0o600 });
  symlinkSync(target, deadLink);
  await writeFileAtomically(results, Readable.from(["row\n"]));
  expect(readFileSync(results, "utf8")).toBe("row\n");
  expect(existsSync(dead)).toBe(false);
  expect(existsSync(deadLink)).toBe(false); // the link itself, as a name
  expect(readFileSync(target, "utf8")).toBe("https://pay.example/link"); // never followed
  expect(existsSync(live)).toBe(true);
  expect(existsSync(other)).toBe(true);
  expect(readdirSync(dir).sort()).toEqual(
    [
      "kept.txt",
      "other.results.csv." + GONE_PID + ".0123456789ab.tmp",
      "rewards.results.csv",
      live.slice(dir.length + 1),
    ].sort(),
  );
});
