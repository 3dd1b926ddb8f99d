// `status <batch-id>` of a finished batch reads the counts its last run left beside the journal
// (a million-row journal takes most of a minute to fold), but only while the journal is exactly
// as it was counted: any write since, a kill mid-run or an edit, makes it fold the journal again.
import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];
const digestOf = (journal: string) => journal.replace(/\.journal\.jsonl$/, ".status.json");

describe("status <batch-id> from a finished run's digest", () => {
  it("says what folding the journal says, and is not used once the journal changed (a kill mid-run)", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, 5);
    expect((await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    const journal = journalFile(cwd, "rewards");
    const digest = digestOf(journal);
    expect(existsSync(digest)).toBe(true);
    expect(statSync(digest).mode & 0o777).toBe(0o600);

    const fromDigest = await runCli(["status", "rewards", "--base-url", sim.url], { cwd });
    expect(fromDigest.code, fromDigest.stderr).toBe(0);
    expect(fromDigest.stdout).toMatch(/rows: {3}5 COMPLETED/);
    expect(fromDigest.stdout).toMatch(/skip 5 COMPLETED row\(s\)/);
    const saved = readFileSync(digest);
    rmSync(digest);
    const folded = await runCli(["status", "rewards", "--base-url", sim.url], { cwd });
    expect(folded.stdout).toBe(fromDigest.stdout);
    writeFileSync(digest, saved, { mode: 0o600 });

    // Five rows more, and the run killed once two of the new orders were accepted: the old digest stays
    // on disk, but the journal grew under it, so status counts from the journal.
    writeRewards(cwd, 10);
    const killed = await runCli(["run", file, "--base-url", sim.url, "--continue-batch", ...FAST], {
      cwd,
      env: { RUNA_BATCH_CRASH_AT: "accepted:2" },
    });
    expect(killed.signal).toBe("SIGKILL");
    expect(readFileSync(digest)).toEqual(saved);
    const afterKill = await runCli(["status", "rewards", "--base-url", sim.url], { cwd });
    expect(afterKill.code, afterKill.stderr).toBe(0);
    expect(afterKill.stdout).not.toBe(fromDigest.stdout);
    expect(afterKill.stdout).toMatch(/orders: .*2 accepted, not final yet/);
    expect(afterKill.stdout).toMatch(/poll 2 row\(s\) whose order was accepted/);
  });

  it("is not trusted over a journal edited in place to the same size and modification time", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, 3);
    expect((await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    const journal = journalFile(cwd, "rewards");
    expect(existsSync(digestOf(journal))).toBe(true);
    const before = statSync(journal);
    const lines = readFileSync(journal, "utf8").split("\n");
    const settled = lines.findIndex((line) => line.includes('"type":"settled"'));
    lines[settled] = lines[settled]!.replace(/"status":"COMPLETED"/, '"status":"COMPLETEX"'); // same length
    writeFileSync(journal, lines.join("\n"));
    utimesSync(journal, before.atime, before.mtime); // only the change time, which no one can set, tells
    expect(statSync(journal).size).toBe(before.size);

    const status = await runCli(["status", "rewards", "--base-url", sim.url], { cwd });
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`is damaged at line ${settled + 1}`);
  });
});
