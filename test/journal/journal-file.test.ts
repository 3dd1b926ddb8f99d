// The journal file on disk: checksummed lines, damage refused with its line number, a torn last
// line healed, journals written before checksums still read, and lines of any length.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchJournal, readJournal } from "../../src/journal/batch-journal.ts";
import { JournalRefusal } from "../../src/errors.ts";
import { JournalFile, readRecords } from "../../src/journal/journal-file.ts";

const fp = (char: string) => char.repeat(64);
const tempJournal = () => join(mkdtempSync(join(tmpdir(), "runa-journal-file-")), "batch.journal.jsonl");

/** batch, order a, post a, accepted a, order b: five lines. */
function writtenJournal(body = '{"items":[]}'): string {
  const path = tempJournal();
  const journal = BatchJournal.open(path, "batch");
  journal.planned("ka", 0, [{ fp: fp("a"), gen: 0, row: 2 }], "USD", body);
  journal.posting("ka", 1);
  journal.accepted("ka", "O-1");
  journal.planned("kb", 0, [{ fp: fp("b"), gen: 0, row: 3 }], "USD", body);
  journal.close();
  return path;
}

const lines = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
const writeLines = (path: string, text: string[]) => writeFileSync(path, `${text.join("\n")}\n`);

function refusal(read: () => unknown): JournalRefusal {
  try {
    read();
  } catch (error) {
    if (error instanceof JournalRefusal) return error;
    throw error;
  }
  throw new Error("expected a JournalRefusal");
}

describe("journal lines", () => {
  it("carry a checksum and stay one JSON object each", () => {
    const path = writtenJournal();
    for (const line of lines(path)) {
      expect(line).toMatch(/^\{"crc":"[0-9a-f]{8}","type":"/);
      expect(JSON.parse(line)).toHaveProperty("type");
    }
    expect(readJournal(path).orderOfRow(fp("a"))).toMatchObject({ phase: "accepted", orderId: "O-1" });
  });

  it.each([
    ["a changed character", (line: string) => line.replace('"O-1"', '"O-2"')],
    ["a line cut short (its newline kept)", (line: string) => line.slice(0, 40)],
    ["a lost checksum", (line: string) => `{${line.slice(line.indexOf('"type"'))}`],
    ["an empty line", () => ""],
    ["bytes that are not UTF-8 text", (line: string) => `${line.slice(0, 30)}\u0000\uFFFD${line.slice(32)}`],
  ])("refuse %s in the middle, naming the line, for run and for status", (_name, damage) => {
    const path = writtenJournal();
    const text = lines(path);
    text[3] = damage(text[3]!); // line 4: the accepted record
    writeLines(path, text);
    const before = readFileSync(path);
    for (const read of [() => BatchJournal.open(path, "batch"), () => readJournal(path)]) {
      const error = refusal(read);
      expect(error.code).toBe("journal_damaged");
      expect(error.message).toContain(`${path} is damaged at line 4`);
      expect(error.message).toMatch(/Nothing was sent/);
      expect(error.message).toMatch(/Restore the file from a backup/);
    }
    expect(readFileSync(path)).toEqual(before); // a damaged journal is left as it was found
  });

  it("heal a last line torn at any byte: the records before it stand, and appending goes on", () => {
    const path = writtenJournal();
    const whole = readFileSync(path, "utf8");
    const lastStart = whole.lastIndexOf("\n", whole.length - 2) + 1;
    for (let cut = lastStart + 1; cut < whole.length - 1; cut += 7) {
      writeFileSync(path, whole.slice(0, cut)); // killed while writing the last record
      expect(readJournal(path).orders.has("kb")).toBe(false); // status reads it without healing
      const journal = BatchJournal.open(path, "batch");
      expect(journal.state.orders.has("kb")).toBe(false);
      expect(journal.state.orderOfRow(fp("a"))?.phase).toBe("accepted");
      journal.posting("ka", 2);
      journal.close();
      expect(readFileSync(path, "utf8")).toBe(`${whole.slice(0, lastStart)}${lines(path).at(-1)}\n`);
      expect(readJournal(path).orders.get("ka")?.posts).toBe(2);
    }
  });

  it("keep a complete last record that only lacks its newline", () => {
    const path = writtenJournal();
    writeFileSync(path, readFileSync(path, "utf8").slice(0, -1));
    const journal = BatchJournal.open(path, "batch");
    expect(journal.state.orders.has("kb")).toBe(true);
    journal.posting("kb", 1);
    journal.close();
    expect(readJournal(path).orders.get("kb")?.phase).toBe("posted");
  });

  it("read journals written before checksums, a torn line healed in their middle included, and append checked lines to them", () => {
    const path = tempJournal();
    const old = [
      { type: "batch", v: 1, batchId: "batch", at: "2026-01-01T00:00:00.000Z" },
      {
        type: "order",
        key: "ka",
        gen: 0,
        rows: [{ fp: fp("a"), gen: 0, row: 2 }],
        currency: "USD",
        body: "{}",
        at: "2026-01-01T00:00:00.000Z",
      },
    ].map((record) => JSON.stringify(record));
    // an older version ended a torn line with a newline and went on after it
    writeLines(path, [
      ...old,
      '{"type":"post","key":"ka","att',
      JSON.stringify({ type: "post", key: "ka", attempt: 1, at: "2026-01-01T00:00:01.000Z" }),
    ]);
    const journal = BatchJournal.open(path, "batch");
    expect(journal.state.orderOfRow(fp("a"))).toMatchObject({ phase: "posted", posts: 1 });
    journal.accepted("ka", "O-1");
    journal.close();
    expect(lines(path).at(-1)).toMatch(/^\{"crc":/);
    expect(readJournal(path).orderOfRow(fp("a"))).toMatchObject({ phase: "accepted", orderId: "O-1" });
    // once checked lines begin, an unchecked line after them is damage
    appendFileSync(
      path,
      `${JSON.stringify({ type: "settled", key: "ka", orderId: "O-1", status: "COMPLETED", payouts: [], at: "2026-01-01T00:00:02.000Z" })}\n`,
    );
    expect(refusal(() => readJournal(path)).message).toContain("damaged at line 6: it has no checksum");
  });

  it("read lines longer than a read chunk, with text in any script split across chunks", () => {
    const body = JSON.stringify({
      items: Array.from({ length: 30_000 }, (_, index) => ({ note: `Grüße ${index} 你好 🎁` })),
    });
    expect(Buffer.byteLength(body)).toBeGreaterThan(1 << 20); // the reader takes 1 MiB at a time
    const path = writtenJournal(body);
    const state = readJournal(path);
    expect(state.orders.get("ka")?.body).toBe(body);
    expect(state.orders.get("kb")?.body).toBe(body);
  });
});

describe("bodies and payouts", () => {
  it("stay on disk: read back from their own lines when used, and checked again", () => {
    const body = '{"items":[{"face_value":10}]}';
    const path = writtenJournal(body);
    const journal = BatchJournal.open(path, "batch");
    const payouts = [{ fp: fp("a"), itemId: "I-1", url: "https://pay.example/I-1", price: "9.50" }];
    journal.settled("ka", "O-1", "COMPLETED", payouts, "9.50");
    const order = journal.state.orders.get("ka")!;
    /* eslint-disable @typescript-eslint/unbound-method -- only checks the getter exists (the field is not a stored copy); never calls it */
    expect(Object.getOwnPropertyDescriptor(order, "body")?.get).toBeTypeOf("function"); // not a copy in memory
    expect(Object.getOwnPropertyDescriptor(order, "payouts")?.get).toBeTypeOf("function");
    /* eslint-enable @typescript-eslint/unbound-method */
    expect(order.body).toBe(body);
    expect(order.payouts).toEqual(payouts);
    journal.close();
    expect(order.body).toBe(body); // also once the journal is closed

    const fresh = readJournal(path);
    expect(fresh.orders.get("kb")?.body).toBe(body);
    expect(fresh.orders.get("ka")?.payouts).toEqual(payouts);
    // changed under a run (same length, so positions still line up): refused, not read as data
    const text = lines(path);
    const planned = text.findIndex((line) => line.includes('"type":"order"') && line.includes('"ka"'));
    text[planned] = text[planned]!.replace('face_value\\":10', 'face_value\\":90');
    writeLines(path, text);
    const error = refusal(() => fresh.orders.get("ka")!.body);
    expect(error.message).toMatch(/changed under this run/);
  });
});

describe("JournalFile.appendAll", () => {
  it("writes every record as its own checked line, in order, after what was there", () => {
    const path = join(mkdtempSync(join(tmpdir(), "journal-")), "ledger.jsonl");
    const file = JournalFile.open(path);
    file.append({ t: "o", n: 0 });
    file.appendAll(Array.from({ length: 500 }, (_, n) => ({ t: "i", n: n + 1 })));
    file.appendAll([]);
    file.append({ t: "e", n: 501 });
    file.close();
    const read = [...readRecords<{ t: string; n: number }>(path)];
    expect(read.map((record) => record.n)).toEqual(Array.from({ length: 502 }, (_, n) => n));
    expect(lines(path)).toHaveLength(502);
  });
});
