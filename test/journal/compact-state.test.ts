// The journal's state at scale keeps rows in typed arrays and reads order rows back from the file:
// what it answers must be what the journal says, row for row.
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchJournal, readJournal } from "../../src/journal/batch-journal.ts";
import type { MemberRow } from "../../src/journal/records.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const tempJournal = () => join(mkdtempSync(join(tmpdir(), "runa-compact-")), "batch.journal.jsonl");

describe("the journal's compact state", () => {
  it("answers every row from the file: its order, generation and member, across generations and thousands of rows", () => {
    const path = tempJournal();
    const journal = BatchJournal.open(path, "batch");
    const planned = new Map<string, { key: string; member: MemberRow }>();
    for (let order = 0; order < 20; order += 1) {
      const rows: MemberRow[] = Array.from({ length: 150 }, (_, at) => {
        const row = order * 150 + at + 2;
        return {
          fp: sha(`row ${row}`),
          gen: 0,
          row,
          cid: sha(`content ${row}`).slice(0, 16),
          ...(row % 7 === 0 ? { ref: `R-${row}` } : {}),
        };
      });
      journal.planned(`k${order}`, 0, rows, "USD", JSON.stringify({ order }));
      journal.posting(`k${order}`, 1);
      journal.accepted(`k${order}`, `O-${order}`);
      journal.settled(`k${order}`, `O-${order}`, order === 3 ? "FAILED" : "COMPLETED", []);
      for (const member of rows) planned.set(member.fp, { key: `k${order}`, member });
    }
    // Order 3 FAILED: its rows are ordered again, one generation up, in one new order.
    const retried = [...planned.values()]
      .filter(({ key }) => key === "k3")
      .map(({ member }) => ({ ...member, gen: 1 }));
    journal.planned("k3-again", 1, retried, "USD", "{}");
    for (const member of retried) planned.set(member.fp, { key: "k3-again", member });
    journal.close();

    for (const state of [journal.state, readJournal(path)]) {
      expect(state.rowCount).toBe(3000);
      for (const [fp, { key, member }] of planned) {
        expect(state.orderOfRow(fp)?.key).toBe(key);
        expect(state.generationOfRow(fp)).toBe(member.gen);
        expect(state.memberOfRow(fp)).toEqual(member);
        expect(state.orderOfRowId(state.rowId(fp))?.key).toBe(key);
      }
      expect(state.ordersOfRow(retried[0]!.fp).map((order) => order.key)).toEqual(["k3", "k3-again"]);
      expect(state.orders.get("k5")?.size).toBe(150);
      expect(state.orders.get("k5")?.rows.map((member) => member.row)).toEqual(
        Array.from({ length: 150 }, (_, at) => 5 * 150 + at + 2),
      );
      const rows = [...state.rows()];
      expect(rows).toHaveLength(3000);
      expect(new Set(rows.map((row) => row.fp))).toEqual(new Set(planned.keys()));
      for (const row of rows.slice(0, 300)) expect(row.member).toEqual(planned.get(row.fp)!.member);
      expect(state.rowId(sha("never planned"))).toBe(-1);
      expect(state.orderOfRow(sha("never planned"))).toBeUndefined();
      expect(state.memberOfRow(sha("never planned"))).toBeUndefined();
    }
  });
});
