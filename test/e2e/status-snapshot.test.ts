// `status <csv>` plans the file against the journal's state as the last run left it, saved beside
// the journal (`<batch>.state.bin`), instead of folding a million-row journal again: its answer
// must be the fold's, word for word, and `run` never trusts the snapshot.
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";
import { EXIT } from "../../src/errors.ts";
import { readJournal } from "../../src/journal/batch-journal.ts";
import { saveSnapshot, snapshotPath } from "../../src/journal/state-snapshot.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30", "--items-per-order", "3"];

describe("status <csv> from the state snapshot a run leaves", () => {
  it("says what folding the journal says, for an unchanged, an edited and a grown file, and after a kill mid-run", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, 8);
    expect((await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    const journal = journalFile(cwd, "rewards");
    const snapshot = snapshotPath(journal);
    expect(statSync(snapshot).mode & 0o777).toBe(0o600);

    /** status <csv> with the snapshot, then with it moved away: the same words and exit code. */
    const bothWays = async (expected: RegExp) => {
      const fromSnapshot = await runCli(["status", file, "--base-url", sim.url], { cwd });
      expect(fromSnapshot.stdout, fromSnapshot.stderr).toMatch(expected);
      const kept = existsSync(snapshot) ? readFileSync(snapshot) : undefined;
      rmSync(snapshot, { force: true });
      const folded = await runCli(["status", file, "--base-url", sim.url], { cwd });
      if (kept) writeFileSync(snapshot, kept, { mode: 0o600 });
      expect(fromSnapshot.stdout).toBe(folded.stdout);
      expect(fromSnapshot.code).toBe(folded.code);
      return fromSnapshot;
    };

    await bothWays(/for the 8 valid row\(s\) of .* a re-run would:\n {4}skip 8 COMPLETED row\(s\)/);
    const rows = readFileSync(file, "utf8");
    // Reference R-2 identifies its row: with a new amount it is the same row, edited after it was paid.
    const editedRows = rows.replace(/^5\.50,GBP,AMZ-UK,,PAYOUT_LINK,R-2,/m, "5.75,GBP,AMZ-UK,,PAYOUT_LINK,R-2,");
    expect(editedRows).not.toBe(rows);
    writeFileSync(file, editedRows);
    const edited = await bothWays(/stop on 1 row\(s\) that may already be paid in another form/);
    expect(edited.code).toBe(EXIT.USAGE);
    writeFileSync(file, rows);

    writeRewards(cwd, 12);
    await bothWays(/send 4 row\(s\) under a new key/);
    const killed = await runCli(["run", file, "--base-url", sim.url, "--continue-batch", ...FAST], {
      cwd,
      env: { RUNA_BATCH_CRASH_AT: "accepted:1" },
    });
    expect(killed.signal).toBe("SIGKILL");
    expect(existsSync(snapshot)).toBe(true); // the first run's, left behind: the journal grew since
    await bothWays(/poll \d+ row\(s\) whose order was accepted/);
  });

  it("is never trusted by run: a snapshot that misstates the journal misleads status only, and the run rewrites it", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, 6);
    expect((await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd })).code).toBe(0);
    const posts = sim.state.countOrderPosts();
    const journal = journalFile(cwd, "rewards");
    const truth = await runCli(["status", file, "--base-url", sim.url], { cwd });
    expect(truth.stdout).toMatch(/skip 6 COMPLETED row\(s\)/);

    // The state of the journal before its first order, saved as the snapshot of the whole journal as it
    // is now: status, which trusts a snapshot of an unchanged journal, now believes nothing was sent.
    const lines = readFileSync(journal, "utf8").split("\n");
    const prefix = `${journal}.prefix`;
    writeFileSync(
      prefix,
      `${lines
        .slice(
          0,
          lines.findIndex((line) => line.includes('"type":"order"')),
        )
        .join("\n")}\n`,
    );
    saveSnapshot(journal, readJournal(prefix));
    copyFileSync(snapshotPath(journal), `${snapshotPath(journal)}.misleading`);
    const misled = await runCli(["status", file, "--base-url", sim.url], { cwd });
    expect(misled.stdout).toMatch(/send 6 row\(s\) under a new key/);

    const rerun = await runCli(["run", file, "--base-url", sim.url, ...FAST], { cwd });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(sim.state.countOrderPosts()).toBe(posts); // the run folded the journal: nothing was sent again
    expect(readFileSync(snapshotPath(journal))).not.toEqual(readFileSync(`${snapshotPath(journal)}.misleading`));
    const after = await runCli(["status", file, "--base-url", sim.url], { cwd });
    const withoutLastRun = (text: string) => text.replace(/ {2}last run: .*\n/, ""); // the re-run is the last now
    expect(withoutLastRun(after.stdout)).toBe(withoutLastRun(truth.stdout));
  });
});
