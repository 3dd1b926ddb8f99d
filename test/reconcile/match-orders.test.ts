import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { allMatch, matchOrders, type JournalOrder, type RunaOrder } from "../../src/reconcile/match-orders.ts";
import { RECONCILE_COLUMNS, writeReconciliationCsv } from "../../src/reconcile/reconcile-report.ts";
import { parsePeriod } from "../../src/commands/reconcile.ts";

const at = (day: number, hour = 12) =>
  `2026-11-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00.000Z`;
const runa = (id: string, createdAt?: string, totalPrice = "9.50", status = "COMPLETED"): RunaOrder =>
  createdAt === undefined ? { id, status } : { id, status, createdAt, currency: "USD", totalPrice };
const journaled = (orderId: string | undefined, fields: Partial<JournalOrder> = {}): JournalOrder => ({
  batchId: "nov",
  journal: "output/nov.journal.jsonl",
  key: `key-${orderId ?? "none"}`,
  ...(orderId === undefined ? {} : { orderId }),
  currency: "USD",
  phase: "settled",
  outcome: "COMPLETED",
  totalPrice: "9.50",
  at: at(3),
  ...fields,
});

describe("matchOrders", () => {
  it("matches by id and totals per batch and currency", () => {
    const result = matchOrders(
      [runa("O-1", at(3)), runa("O-2", at(4), "20.00")],
      [journaled("O-1"), journaled("O-2", { totalPrice: "20.00" })],
      {},
    );
    expect(result).toEqual({
      runaOrders: 2,
      unknown: [],
      missing: [],
      unanswered: [],
      totals: [
        {
          batchId: "nov",
          currency: "USD",
          journalOrders: 2,
          journalTotal: "29.50",
          runaOrders: 2,
          runaTotal: "29.50",
          matches: true,
        },
      ],
    });
    expect(allMatch(result)).toBe(true);
  });

  it("reports unknown, missing and differing totals; a FAILED order on both sides charges nothing", () => {
    const result = matchOrders(
      [runa("O-1", at(3), "10.00"), runa("O-9", at(3)), runa("O-3", undefined, undefined, "FAILED")],
      [journaled("O-1"), journaled("O-2"), journaled("O-3", { outcome: "FAILED" })],
      {},
    );
    expect(result.unknown.map((order) => order.id)).toEqual(["O-9"]);
    expect(result.missing.map((order) => order.orderId)).toEqual(["O-2"]);
    expect(result.totals).toEqual([
      {
        batchId: "nov",
        currency: "USD",
        journalOrders: 2,
        journalTotal: "19.00",
        runaOrders: 1,
        runaTotal: "10.00",
        matches: false,
      },
    ]);
    expect(allMatch(result)).toBe(false);
  });

  it("matches over everything, then reports by period: an order dated a second apart on each side is not 'missing'", () => {
    // Runa dates O-1 just inside the period, the journal (sent a moment earlier) just outside it
    const period = { since: Date.parse(at(3, 0)), until: Date.parse(at(4, 0)) };
    const result = matchOrders(
      [runa("O-1", "2026-11-03T00:00:00.500Z"), runa("O-0", at(1))],
      [journaled("O-1", { at: "2026-11-02T23:59:59.900Z" }), journaled("O-0", { at: at(1) })],
      period,
    );
    expect(result.runaOrders).toBe(1);
    expect(result.unknown).toEqual([]);
    expect(result.missing).toEqual([]);
    expect(result.totals.map((total) => [total.journalOrders, total.runaOrders])).toEqual([[1, 1]]);
  });

  it("counts an order claimed by two journals (a copied journal) once, and reports sends with no answer apart", () => {
    const result = matchOrders(
      [runa("O-1", at(3))],
      [
        journaled("O-1"),
        journaled("O-1", { batchId: "copy", journal: "output/copy.journal.jsonl" }),
        journaled(undefined, { phase: "posted" }),
      ],
      {},
    );
    expect(result.totals.map((total) => total.batchId)).toEqual(["nov"]);
    expect(result.unanswered).toHaveLength(1);
    expect(allMatch(result)).toBe(true);
  });
});

describe("parsePeriod", () => {
  it.each([
    ["2026-11-01", "2026-11-30", "2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"],
    ["2026-11-01T08:00:00Z", "2026-11-01T09:30:00Z", "2026-11-01T08:00:00.000Z", "2026-11-01T09:30:00.000Z"],
    ["2026-11-01T08:00:00", undefined, "2026-11-01T08:00:00.000Z", undefined],
    ["2026-11-01T08:00:00+02:00", undefined, "2026-11-01T06:00:00.000Z", undefined],
  ])("--since %s --until %s", (since, until, from, to) => {
    const { period } = parsePeriod(since, until);
    expect(period.since === undefined ? undefined : new Date(period.since).toISOString()).toBe(from);
    expect(period.until === undefined ? undefined : new Date(period.until).toISOString()).toBe(to);
  });

  it.each([
    ["yesterday", undefined],
    ["2026-13-01", undefined],
    ["2026-11-02", "2026-11-01"],
  ])("refuses --since %s --until %s", (since, until) => {
    expect(() => parsePeriod(since, until)).toThrow(/--since/);
  });
});

describe("the reconciliation CSV", () => {
  it("is owner-only, with every column, and neutralises formulas", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "reconcile-")), "r.csv");
    const result = matchOrders([runa("=HYPERLINK(1)", at(3))], [journaled("O-2", { batchId: "@evil" })], {});
    await writeReconciliationCsv(path, result, false);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const [header, ...rows] = parse(readFileSync(path, "utf8"));
    expect(header).toEqual([...RECONCILE_COLUMNS]);
    expect(rows.map((row) => [row[0], row[1], row[2]])).toEqual([
      ["unknown_to_journals", "", "'=HYPERLINK(1)"],
      ["missing_at_runa", "'@evil", "O-2"],
      ["totals_differ", "'@evil", ""],
    ]);
  });
});
