// The state snapshot a run leaves beside its journal answers, row for row and order for order,
// what folding the journal answers; and it is read back only for that journal exactly as it was.
import { createHash } from "node:crypto";
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchJournal, readJournal } from "../../src/journal/batch-journal.ts";
import type { JournalState } from "../../src/journal/journal-state.ts";
import type { MemberRow } from "../../src/journal/records.ts";
import { digestJournal } from "../../src/batch/journal-digest.ts";
import { loadSnapshot, saveSnapshot, snapshotPath } from "../../src/journal/state-snapshot.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const tempJournal = () => join(mkdtempSync(join(tmpdir(), "runa-snapshot-")), "batch.journal.jsonl");
const member = (row: number, extra: Partial<MemberRow> = {}): MemberRow => ({
  fp: sha(`row ${row}`),
  gen: 0,
  row,
  cid: sha(`content ${row}`).slice(0, 16),
  ...extra,
});

/** A journal with an order in every phase, a FAILED order re-ordered, an edited row, released rows and a non-hex fingerprint. */
function variedJournal(): { path: string; fps: string[] } {
  const path = tempJournal();
  const journal = BatchJournal.open(path, "batch");
  journal.ranWith({ path: "/in/rewards.csv", size: 10, sha256: sha("in"), mtime: "2026-11-01T00:00:00.000Z" });
  const body = (order: string) => JSON.stringify({ order, items: [] });
  const rows = Array.from({ length: 40 }, (_, index) =>
    member(index + 2, index % 5 === 0 ? { ref: `R-${index}` } : {}),
  );
  journal.planned("k-done", 0, rows.slice(0, 10), "USD", body("done"));
  journal.posting("k-done", 1);
  journal.accepted("k-done", "O-1");
  journal.settled("k-done", "O-1", "COMPLETED", [{ fp: rows[0]!.fp, url: "https://redeem/1" }], "10.00");
  journal.planned("k-failed", 0, rows.slice(10, 15), "USD", body("failed"));
  journal.posting("k-failed", 1);
  journal.accepted("k-failed", "O-2");
  journal.settled("k-failed", "O-2", "FAILED", []);
  journal.planned(
    "k-again",
    1,
    rows.slice(10, 15).map((row) => ({ ...row, gen: 1 })),
    "USD",
    body("again"),
  );
  journal.planned("k-accepted", 0, rows.slice(15, 20), "USD", body("accepted"));
  journal.posting("k-accepted", 1);
  journal.accepted("k-accepted", "O-3");
  journal.planned("k-rejected", 0, rows.slice(20, 25), "EUR", body("rejected"));
  journal.posting("k-rejected", 1);
  journal.rejected("k-rejected", 400, "invalid_product", "no such product");
  journal.planned("k-posted", 0, rows.slice(25, 30), "USD", body("posted"));
  journal.posting("k-posted", 1);
  journal.serverError("k-posted", 500, "internal_error");
  journal.unresolved("k-posted", "network", "timed out");
  journal.rekeyed("k-posted");
  journal.planned("k-planned", 0, [...rows.slice(30, 39), member(99, { fp: "not-a-sha256" })], "USD", body("p"));
  // Row 41 paid, then edited in place and ordered anew as a row that replaces it.
  journal.planned("k-edited", 1, [member(500, { replaces: rows[39]!.fp, row: 41 })], "USD", body("edited"));
  journal.released([rows[1]!.fp]);
  journal.close();
  return { path, fps: [...rows.map((row) => row.fp), "not-a-sha256", member(500).fp, sha("never planned")] };
}

/** Everything status and planning ask a state, as plain data. */
function answers(state: JournalState, fps: string[]) {
  return {
    batchId: state.batchId,
    createdAt: state.createdAt,
    runs: state.runs,
    released: [...state.released],
    rowCount: state.rowCount,
    digest: digestJournal(state, Date.parse("2026-12-01T00:00:00.000Z")),
    orders: [...state.orders.values()].map((order) => ({ ...order })), // reads body, rows and payouts back
    rows: [...state.rows()].map((row) => ({ id: row.id, fp: row.fp, order: row.order.key, member: row.member })),
    byFingerprint: fps.map((fp) => ({
      id: state.rowId(fp),
      order: state.orderOfRow(fp)?.key,
      generation: state.generationOfRow(fp),
      member: state.memberOfRow(fp),
      history: state.ordersOfRow(fp).map((order) => order.key),
    })),
  };
}

describe("the state snapshot beside a journal", () => {
  it("answers exactly what folding the journal answers", () => {
    const { path, fps } = variedJournal();
    const folded = readJournal(path);
    saveSnapshot(path, folded);
    expect(statSync(snapshotPath(path)).mode & 0o777).toBe(0o600);
    const loaded = loadSnapshot(path);
    expect(loaded).toBeDefined();
    expect(answers(loaded!, fps)).toEqual(answers(folded, fps));
    expect(loaded!.orders.get("k-done")?.payouts).toEqual([{ fp: fps[0], url: "https://redeem/1" }]);
    // The state a run ends with (BatchJournal's own) saves the same snapshot as the journal folded.
    const run = BatchJournal.open(path, "batch");
    run.close();
    expect(run.state.toSnapshot()).toEqual(folded.toSnapshot());
  });

  it("holds no order body and no redemption link", () => {
    const { path } = variedJournal();
    saveSnapshot(path, readJournal(path));
    const saved = readFileSync(snapshotPath(path), "utf8");
    expect(saved).not.toContain("redeem");
    expect(saved).not.toContain('\\"order\\"');
  });

  it("is not trusted once the journal changed: a line appended, a byte edited in place, the file replaced", () => {
    const appended = variedJournal().path;
    saveSnapshot(appended, readJournal(appended));
    const again = BatchJournal.open(appended, "batch");
    again.posting("k-planned", 1);
    again.close();
    expect(loadSnapshot(appended)).toBeUndefined();

    const edited = variedJournal().path;
    saveSnapshot(edited, readJournal(edited));
    const { atime, mtime } = statSync(edited);
    const bytes = readFileSync(edited);
    bytes[bytes.indexOf("O-1") + 2] = "7".charCodeAt(0); // same size, and the modification time put back
    writeFileSync(edited, bytes);
    utimesSync(edited, atime, mtime);
    expect(loadSnapshot(edited)).toBeUndefined();

    const replaced = variedJournal().path;
    saveSnapshot(replaced, readJournal(replaced));
    copyFileSync(replaced, `${replaced}.copy`);
    renameSync(`${replaced}.copy`, replaced); // the same bytes in another file
    expect(loadSnapshot(replaced)).toBeUndefined();
  });

  it("is not trusted when it was damaged or cut short", () => {
    const { path } = variedJournal();
    saveSnapshot(path, readJournal(path));
    const saved = readFileSync(snapshotPath(path));
    const damaged = Buffer.from(saved);
    damaged[damaged.length - 3]! ^= 1; // in the row arrays, past the checksummed line
    writeFileSync(snapshotPath(path), damaged);
    expect(loadSnapshot(path)).toBeUndefined();
    writeFileSync(snapshotPath(path), saved);
    expect(loadSnapshot(path)).toBeDefined();
    truncateSync(snapshotPath(path), saved.length - 4);
    expect(loadSnapshot(path)).toBeUndefined();
  });
});
