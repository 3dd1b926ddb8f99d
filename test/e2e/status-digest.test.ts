// `status <batch-id>` of a finished batch reads the counts its last run left beside the journal
// (a million-row journal takes most of a minute to fold), but only while the journal is exactly
// as it was counted: any write since, a kill mid-run or an edit, makes it fold the journal again.
import {
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
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

describe("status <batch-id> and a digest edited by hand", () => {
  it("is not misled by a digest whose counts were changed: it is checksummed like a journal line, and folded past", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, 3);
    expect((await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    const digest = digestOf(journalFile(cwd, "rewards"));
    const truth = await runCli(["status", "rewards", "--base-url", sim.url], { cwd });
    expect(truth.stdout).toMatch(/rows: {3}3 COMPLETED/);
    // Still valid JSON, journal untouched: before, status printed "3 FAILED" and "send 3 row(s) under a new key".
    const edited = readFileSync(digest, "utf8")
      .replace(/\["COMPLETED",3\]/g, '["FAILED",3]')
      .replace('"next":{"done":3}', '"next":{"new":3}');
    expect(edited).toContain('"next":{"new":3}');
    writeFileSync(digest, edited);
    const status = await runCli(["status", "rewards", "--base-url", sim.url], { cwd });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toBe(truth.stdout);
    expect(status.stdout).not.toContain("FAILED");
  });
});

describe("status meets what run refuses in the state folder", () => {
  it("a journal reached through a link, even a dangling one: refused as run refuses it, never 'no journal'", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, 3);
    expect((await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    const journal = journalFile(cwd, "rewards");
    const moved = join(dirname(journal), "elsewhere.jsonl");
    renameSync(journal, moved);
    symlinkSync(moved, journal);
    const linked = await runCli(["status", "rewards", "--base-url", sim.url], { cwd });
    expect(linked.code, linked.stderr).toBe(1);
    expect(linked.stderr).toContain(`${journal} is a symbolic link`); // it said "unexpected error: ELOOP"
    rmSync(journal);
    symlinkSync(join(dirname(journal), "gone.jsonl"), journal);
    const dangling = await runCli(["status", "rewards", "--base-url", sim.url], { cwd });
    expect(dangling.stdout).not.toContain("nothing was sent for it"); // it said so, of a batch that paid 3 rows
    expect(dangling.code, dangling.stderr).toBe(1);
    expect(dangling.stderr).toContain(`${journal} is a symbolic link`);
    const run = await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${journal} is a symbolic link`);
    expect(sim.state.countOrderPosts()).toBe(3);
  });

  it("a damaged or linked ledger stops status <file> as it stops run (exit 1), not as a missing catalog with exit 0", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, 3);
    expect((await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    writeRewards(cwd, 5); // two new rows: planning them reads the ledger
    const ledger = join(dirname(journalFile(cwd, "rewards")), "ledger.jsonl");
    const intact = readFileSync(ledger, "utf8");
    writeFileSync(ledger, intact.replace('"t":"', '"t":"X')); // the first line, whatever its kind
    const damaged = await runCli(["status", file, "--base-url", sim.url], { cwd });
    expect(damaged.stdout).not.toContain("the catalog is needed");
    expect(damaged.code, damaged.stdout).toBe(1);
    expect(damaged.stderr).toContain(`${ledger} is damaged at line 1`);
    const refused = await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${ledger} is damaged at line 1`);

    writeFileSync(join(cwd, "ledger-copy.jsonl"), intact, { mode: 0o600 });
    rmSync(ledger);
    symlinkSync(join(cwd, "ledger-copy.jsonl"), ledger);
    const linked = await runCli(["status", file, "--base-url", sim.url], { cwd });
    expect(linked.code, linked.stdout).toBe(1);
    expect(linked.stderr).toContain(`${ledger} is a symbolic link`);
    expect(sim.state.countOrderPosts()).toBe(3);
  });
});
