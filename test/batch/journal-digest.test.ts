import { appendFileSync, existsSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchJournal, readJournal } from "../../src/journal/batch-journal.ts";
import { digestJournal, digestPath, loadDigest, saveDigest } from "../../src/batch/journal-digest.ts";

const fp = (char: string) => char.repeat(64);
const tempJournal = () => join(mkdtempSync(join(tmpdir(), "runa-digest-")), "batch.journal.jsonl");

function completedJournal(): { path: string; journal: BatchJournal } {
  const path = tempJournal();
  const journal = BatchJournal.open(path, "batch");
  journal.planned(
    "k1",
    0,
    [
      { fp: fp("a"), gen: 0, row: 2 },
      { fp: fp("b"), gen: 0, row: 3 },
    ],
    "USD",
    "{}",
  );
  journal.posting("k1", 1);
  journal.accepted("k1", "O-1");
  journal.settled("k1", "O-1", "COMPLETED", []);
  journal.planned("k2", 0, [{ fp: fp("c"), gen: 0, row: 4 }], "USD", "{}");
  journal.posting("k2", 1);
  journal.rejected("k2", 400, "invalid_product", "no");
  journal.close();
  return { path, journal };
}

describe("journal digest", () => {
  it("counts orders and rows as the fold does, and is read back only for the journal exactly as counted", () => {
    const { path, journal } = completedJournal();
    saveDigest(path, journal.state);
    expect(statSync(digestPath(path)).mode & 0o777).toBe(0o600);
    const { digest } = digestJournal(readJournal(path), Date.now());
    expect(digest).toMatchObject({
      orders: [
        ["COMPLETED", 1],
        ["rejected (final 4xx): invalid_product", 1],
      ],
      rows: [
        ["COMPLETED", 2],
        ["rejected (final 4xx)", 1],
      ],
      next: { done: 2, new: 1 },
    });
    expect(loadDigest(path)).toEqual(digest);
    appendFileSync(path, ""); // touching without writing changes nothing
    expect(loadDigest(path)).toEqual(digest);
    const again = BatchJournal.open(path, "batch");
    again.posting("k2", 2);
    again.close();
    expect(loadDigest(path)).toBeUndefined();
  });

  it("is not saved while a re-run would re-send a key already sent (its expiry depends on the day), and a stale one is removed", () => {
    const { path, journal } = completedJournal();
    saveDigest(path, journal.state);
    const again = BatchJournal.open(path, "batch");
    again.planned("k3", 0, [{ fp: fp("d"), gen: 0, row: 5 }], "USD", "{}");
    again.posting("k3", 1);
    again.close();
    expect(digestJournal(again.state, Date.now()).resent).toBe(1);
    saveDigest(path, again.state);
    expect(existsSync(digestPath(path))).toBe(false);
    expect(loadDigest(path)).toBeUndefined();
  });
});
