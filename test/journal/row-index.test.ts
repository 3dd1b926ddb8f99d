import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { RowIndex } from "../../src/journal/row-index.ts";
import { RowNumbers } from "../../src/batch/plan-batch.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("RowIndex", () => {
  it("gives each fingerprint one entry, in the order first seen, and gives the fingerprint back", () => {
    const index = new RowIndex();
    expect(index.find(sha("a"))).toBe(-1);
    expect(index.add(sha("a"))).toBe(0);
    expect(index.add(sha("b"))).toBe(1);
    expect(index.add(sha("a"))).toBe(0);
    expect(index.size).toBe(2);
    expect(index.find(sha("b"))).toBe(1);
    expect(index.fingerprintOf(0)).toBe(sha("a"));
    expect(index.fingerprintOf(1)).toBe(sha("b"));
    expect(() => index.fingerprintOf(2)).toThrow(RangeError);
  });

  it("tells apart fingerprints that share a slot, a prefix, or all but their last bit", () => {
    const index = new RowIndex();
    const base = "0".repeat(64);
    // Same first word (so the same home slot), differing only further on: all distinct entries.
    const lookalikes = [
      base,
      `${"0".repeat(63)}1`,
      `${"0".repeat(56)}10000000`,
      `${"0".repeat(8)}1${"0".repeat(55)}`,
      `${"0".repeat(32)}f${"0".repeat(31)}`,
    ];
    const entries = lookalikes.map((fp) => index.add(fp));
    expect(new Set(entries).size).toBe(lookalikes.length);
    lookalikes.forEach((fp, at) => {
      expect(index.find(fp)).toBe(entries[at]);
      expect(index.fingerprintOf(entries[at]!)).toBe(fp);
    });
    expect(index.find(`${"0".repeat(63)}2`)).toBe(-1);
  });

  it("keeps every entry findable as it grows far past its first table (and slot clusters wrap around)", () => {
    const index = new RowIndex();
    const count = 50_000;
    const startBytes = index.bytes;
    for (let row = 0; row < count; row += 1) expect(index.add(sha(`row ${row}`))).toBe(row);
    expect(index.bytes).toBeGreaterThan(startBytes);
    for (let row = 0; row < count; row += 1) expect(index.find(sha(`row ${row}`))).toBe(row);
    expect(index.find(sha("never added"))).toBe(-1);
    // Fingerprints crowded into the last slots of the table: probing wraps to the start.
    const crowded = new RowIndex();
    const high = Array.from({ length: 40 }, (_, n) => `ffffffff${n.toString(16).padStart(56, "0")}`);
    high.forEach((fp, n) => expect(crowded.add(fp)).toBe(n));
    high.forEach((fp, n) => expect(crowded.find(fp)).toBe(n));
  });

  it("keeps fingerprints that are not sha256 hex (tests, older journals) exactly, beside the compact ones", () => {
    const index = new RowIndex();
    const names = ["a", "A".repeat(64), sha("x").toUpperCase(), "", `${sha("y")} `];
    const entries = names.map((name) => index.add(name));
    expect(index.add(sha("x"))).toBe(names.length); // lowercase hex is another fingerprint than its uppercase
    names.forEach((name, at) => {
      expect(index.find(name)).toBe(entries[at]);
      expect(index.fingerprintOf(entries[at]!)).toBe(name);
    });
  });

  it("agrees with a Map on any sequence of adds and finds", () => {
    const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
    // Few distinct values on purpose: repeats, and first words that collide.
    const fingerprint = fc.oneof(
      hex,
      fc.constantFrom(sha("p"), sha("q")),
      fc.stringMatching(/^[0-9a-f]{56}$/).map((rest) => `12345678${rest}`),
      fc.string({ maxLength: 5 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fingerprint), { maxLength: 300 }), (steps) => {
        const index = new RowIndex();
        const model = new Map<string, number>();
        for (const [adding, fp] of steps) {
          if (adding) {
            const entry = index.add(fp);
            if (!model.has(fp)) model.set(fp, model.size);
            expect(entry).toBe(model.get(fp));
          } else {
            expect(index.find(fp)).toBe(model.get(fp) ?? -1);
          }
        }
        expect(index.size).toBe(model.size);
        for (const [fp, entry] of model) expect(index.fingerprintOf(entry)).toBe(fp);
      }),
    );
  });
});

describe("RowNumbers", () => {
  it("holds row numbers as bits, growing for large ones", () => {
    const rows = new RowNumbers();
    for (const row of [0, 1, 7, 8, 9, 8191, 8192, 2_000_001]) rows.add(row);
    for (const row of [0, 1, 7, 8, 9, 8191, 8192, 2_000_001]) expect(rows.has(row)).toBe(true);
    for (const row of [2, 6, 10, 8190, 8193, 2_000_000, 2_000_002, 50_000_000]) expect(rows.has(row)).toBe(false);
  });
});
