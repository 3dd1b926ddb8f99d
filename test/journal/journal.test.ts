import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchJournal, readJournal } from "../../src/journal/batch-journal.ts";
import { JournalState } from "../../src/journal/journal-state.ts";
import type { JournalRecord } from "../../src/journal/records.ts";
import { BatchLock } from "../../src/journal/batch-lock.ts";
import { planRow, isRepostExpired, isStuckKey, STUCK_KEY_SERVER_ERRORS } from "../../src/batch/plan-row.ts";
import { parseRowList } from "../../src/batch/rekey.ts";
import { JournalRefusal } from "../../src/errors.ts";

const fp = (char: string) => char.repeat(64);
const tempJournal = () => join(mkdtempSync(join(tmpdir(), "runa-journal-")), "batch.journal.jsonl");

describe("BatchJournal", () => {
  it("is owner-only and replays to the same state", () => {
    const path = tempJournal();
    const journal = BatchJournal.open(path, "batch");
    journal.planned("k1", 0, [{ fp: fp("a"), gen: 0, row: 2 }], "USD", "{}");
    journal.posting("k1", 1);
    journal.accepted("k1", "O-1");
    journal.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const state = readJournal(path);
    expect(state.batchId).toBe("batch");
    expect(state.orderOfRow(fp("a"))).toMatchObject({ phase: "accepted", orderId: "O-1", posts: 1 });
  });

  it("tolerates a torn last line and keeps appending after it", () => {
    const path = tempJournal();
    const journal = BatchJournal.open(path, "batch");
    journal.planned("k1", 0, [{ fp: fp("a"), gen: 0, row: 2 }], "USD", "{}");
    journal.close();
    appendFileSync(path, '{"type":"post","key":"k1","att'); // the crash
    const reopened = BatchJournal.open(path, "batch");
    expect(reopened.state.orderOfRow(fp("a"))?.phase).toBe("planned");
    reopened.posting("k1", 1);
    reopened.close();
    expect(readJournal(path).orderOfRow(fp("a"))?.phase).toBe("posted");
    // batch, order, post: the torn fragment was cut off, not left in the middle (it would read as damage)
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean)).toHaveLength(3);
  });
});

describe("planRow: the re-run rules", () => {
  const journalWith = (...steps: ((journal: BatchJournal) => void)[]) => {
    const journal = BatchJournal.open(tempJournal(), "batch");
    journal.planned("k0", 0, [{ fp: fp("a"), gen: 0, row: 2 }], "USD", "{}");
    for (const step of steps) step(journal);
    journal.close();
    return journal.state;
  };

  it.each([
    ["never seen", [], "new:0"],
    ["planned, never sent", [], "repost"],
    ["sent, no answer", [(j: BatchJournal) => j.posting("k0", 1)], "repost"],
    [
      "retries ran out",
      [(j: BatchJournal) => j.posting("k0", 1), (j: BatchJournal) => j.unresolved("k0", "ECONNRESET", "x")],
      "repost",
    ],
    ["accepted", [(j: BatchJournal) => j.posting("k0", 1), (j: BatchJournal) => j.accepted("k0", "O-1")], "poll"],
    [
      "completed",
      [(j: BatchJournal) => j.accepted("k0", "O-1"), (j: BatchJournal) => j.settled("k0", "O-1", "COMPLETED", [])],
      "done",
    ],
    [
      "failed",
      [(j: BatchJournal) => j.accepted("k0", "O-1"), (j: BatchJournal) => j.settled("k0", "O-1", "FAILED", [])],
      "new:1",
    ],
    [
      "rejected",
      [(j: BatchJournal) => j.posting("k0", 1), (j: BatchJournal) => j.rejected("k0", 400, "insufficient_funds", "no")],
      "new:1",
    ],
    [
      "sent, 5xx answers",
      [(j: BatchJournal) => j.posting("k0", 1), (j: BatchJournal) => j.serverError("k0", 500, "internal_server_error")],
      "repost",
    ],
    [
      "retries ran out, re-keyed",
      [
        (j: BatchJournal) => j.posting("k0", 1),
        (j: BatchJournal) => j.unresolved("k0", "stuck_key", "x"),
        (j: BatchJournal) => j.rekeyed("k0"),
      ],
      "new:1",
    ],
    ["sent, re-keyed", [(j: BatchJournal) => j.posting("k0", 1), (j: BatchJournal) => j.rekeyed("k0")], "new:1"],
    // a rekey record is only honoured where the outcome is unknown
    [
      "completed, re-keyed",
      [
        (j: BatchJournal) => j.accepted("k0", "O-1"),
        (j: BatchJournal) => j.settled("k0", "O-1", "COMPLETED", []),
        (j: BatchJournal) => j.rekeyed("k0"),
      ],
      "done",
    ],
    [
      "accepted, re-keyed",
      [
        (j: BatchJournal) => j.posting("k0", 1),
        (j: BatchJournal) => j.accepted("k0", "O-1"),
        (j: BatchJournal) => j.rekeyed("k0"),
      ],
      "poll",
    ],
  ] as const)("%s -> %s", (name, steps, expected) => {
    const state = journalWith(...steps);
    const plan = planRow(name === "never seen" ? fp("z") : fp("a"), state);
    expect(plan.action === "new" ? `new:${plan.generation}` : plan.action).toBe(expected);
  });

  it.each([
    ["planned, never sent", [], "new:1"],
    ["sent, no answer", [(j: BatchJournal) => j.posting("k0", 1)], "conflict:edited"],
    [
      "retries ran out",
      [(j: BatchJournal) => j.posting("k0", 1), (j: BatchJournal) => j.unresolved("k0", "ECONNRESET", "x")],
      "conflict:edited",
    ],
    [
      "accepted",
      [(j: BatchJournal) => j.posting("k0", 1), (j: BatchJournal) => j.accepted("k0", "O-1")],
      "conflict:edited",
    ],
    [
      "completed",
      [(j: BatchJournal) => j.accepted("k0", "O-1"), (j: BatchJournal) => j.settled("k0", "O-1", "COMPLETED", [])],
      "conflict:edited",
    ],
    [
      "failed",
      [(j: BatchJournal) => j.accepted("k0", "O-1"), (j: BatchJournal) => j.settled("k0", "O-1", "FAILED", [])],
      "new:1",
    ],
    [
      "rejected",
      [(j: BatchJournal) => j.posting("k0", 1), (j: BatchJournal) => j.rejected("k0", 400, "insufficient_funds", "no")],
      "new:1",
    ],
    [
      "key reused",
      [
        (j: BatchJournal) => j.posting("k0", 1),
        (j: BatchJournal) => j.rejected("k0", 400, "idempotency_validation_error", "no"),
      ],
      "conflict:key_reused",
    ],
  ] as const)("edited, %s -> %s", (_name, steps, expected) => {
    const plan = planRow(fp("a"), journalWith(...steps), () => true);
    expect(
      plan.action === "new"
        ? `new:${plan.generation}`
        : plan.action === "conflict"
          ? `conflict:${plan.reason}`
          : plan.action,
    ).toBe(expected);
  });

  it("refuses to re-post a key first sent more than 29 days ago", () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const journal = BatchJournal.open(tempJournal(), "batch", () => new Date(now));
    journal.planned("k0", 0, [{ fp: fp("a"), gen: 0, row: 2 }], "USD", "{}");
    journal.posting("k0", 1);
    const order = journal.state.orderOfRow(fp("a"))!;
    now += 28 * 86_400_000;
    expect(isRepostExpired(order, now)).toBe(false);
    now += 2 * 86_400_000;
    expect(isRepostExpired(order, now)).toBe(true);
  });
});

describe("BatchLock", () => {
  it("refuses a second holder and takes over a stale lock", () => {
    const path = join(mkdtempSync(join(tmpdir(), "runa-lock-")), "b.lock");
    const lock = BatchLock.acquire(path, "b");
    expect(() => BatchLock.acquire(path, "b")).toThrow(JournalRefusal);
    lock.release();
    // A process id that cannot be alive: the lock is stale.
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), startedAt: "2026-01-01T00:00:00Z" }));
    BatchLock.acquire(path, "b").release();
  });
});

describe("JournalState: every order of a row", () => {
  const at = "2026-11-01T00:00:00.000Z";
  const order = (key: string, rows: { fp: string; gen: number; row: number; replaces?: string }[]): JournalRecord => ({
    type: "order",
    key,
    gen: 0,
    rows,
    currency: "USD",
    body: "{}",
    at,
  });
  const settled = (key: string, orderId: string, status: "COMPLETED" | "FAILED"): JournalRecord => ({
    type: "settled",
    key,
    orderId,
    status,
    payouts: [],
    totalPrice: "9.50",
    at,
  });

  it("keeps each row's orders oldest first, across generations and grouped orders", () => {
    const state = JournalState.from([
      order("g0", [
        { fp: "a", gen: 0, row: 2 },
        { fp: "b", gen: 0, row: 3 },
      ]),
      settled("g0", "O-1", "FAILED"),
      order("a1", [{ fp: "a", gen: 1, row: 2 }]),
      settled("a1", "O-2", "COMPLETED"),
    ]);
    expect(state.ordersOfRow("a").map((o) => o.orderId)).toEqual(["O-1", "O-2"]);
    expect(state.ordersOfRow("b").map((o) => o.orderId)).toEqual(["O-1"]);
    expect(state.orderOfRow("a")?.key).toBe("a1");
    expect([...state.rows()].map(({ member, order: latest }) => [member.fp, member.gen, latest.key])).toEqual([
      ["a", 1, "a1"],
      ["b", 0, "g0"],
    ]);
  });

  it("hands a replaced row's orders to the edited row that replaces it, and counts the row once", () => {
    const state = JournalState.from([
      order("old", [{ fp: "a", gen: 0, row: 2 }]),
      settled("old", "O-1", "COMPLETED"),
      order("new", [{ fp: "a2", gen: 0, row: 2, replaces: "a" }]),
      settled("new", "O-2", "COMPLETED"),
    ]);
    expect(state.ordersOfRow("a2").map((o) => o.orderId)).toEqual(["O-1", "O-2"]);
    expect([...state.rows()].map(({ member }) => member.fp)).toEqual(["a2"]);
    expect(state.orderOfRow("a")?.orderId).toBe("O-1"); // the old row, if restored, is still known as paid
  });
});

describe("stuck keys", () => {
  const serverErrors = (journal: BatchJournal, count: number) => {
    for (let i = 0; i < count; i += 1) {
      journal.posting("k0", i + 1);
      journal.serverError("k0", 500, "internal_server_error");
    }
  };

  it("a key is stuck after one more unbroken Runa 5xx than a run's attempts, counted across runs (journal re-read)", () => {
    const path = tempJournal();
    const first = BatchJournal.open(path, "batch");
    first.planned("k0", 0, [{ fp: fp("a"), gen: 0, row: 2 }], "USD", "{}");
    serverErrors(first, STUCK_KEY_SERVER_ERRORS - 1);
    first.close();
    const second = BatchJournal.open(path, "batch");
    expect(isStuckKey(second.state.orderOfRow(fp("a"))!)).toBe(false);
    serverErrors(second, 1);
    second.close();
    expect(isStuckKey(readJournal(path).orderOfRow(fp("a"))!)).toBe(true);
  });

  it("any other answer from Runa breaks the streak", () => {
    const journal = BatchJournal.open(tempJournal(), "batch");
    journal.planned("k0", 0, [{ fp: fp("a"), gen: 0, row: 2 }], "USD", "{}");
    serverErrors(journal, STUCK_KEY_SERVER_ERRORS - 1);
    journal.accepted("k0", "O-1");
    serverErrors(journal, 1);
    journal.close();
    expect(journal.state.orderOfRow(fp("a"))?.serverErrorStreak).toBe(1);
  });

  it("an old journal without server_error records reads as no streak", () => {
    const path = tempJournal();
    writeFileSync(
      path,
      `${JSON.stringify({ type: "batch", v: 1, batchId: "b", at: "2026-01-01T00:00:00Z" })}\n${JSON.stringify({ type: "order", key: "k0", gen: 0, rows: [{ fp: fp("a"), gen: 0, row: 2 }], currency: "USD", body: "{}", at: "2026-01-01T00:00:00Z" })}\n`,
    );
    expect(readJournal(path).orderOfRow(fp("a"))).toMatchObject({ phase: "planned", serverErrorStreak: 0 });
  });
});

describe("parseRowList (--rekey)", () => {
  it.each([
    ["5", [5]],
    ["5,7", [5, 7]],
    ["9-12,5, 7,10", [5, 7, 9, 10, 11, 12]],
  ])("%s -> %o", (text, rows) => {
    expect(parseRowList(text)).toEqual(rows);
  });
  it.each(["", "1", "0", "a", "5-3", "5,,6", "-2", "2.5"])("refuses %o", (text) => {
    expect(() => parseRowList(text)).toThrow(/--rekey/);
  });
});
