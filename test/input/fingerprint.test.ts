// The fingerprint names a row across runs (the idempotency key comes from it), so what must not
// change it (formatting, column order, extra columns, email case) and what must (the reference,
// the content) are invariants worth a property test each.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FingerprintIndex, fingerprintText, occurrenceFingerprint } from "../../src/input/order-line.ts";
import { csvFile, fingerprints, tempDir } from "./helpers.ts";
import { testCatalog } from "./test-catalog.ts";

const options = { catalog: testCatalog(), allowDuplicates: false };
const dir = tempDir();
const RUNS = 60;

/** Writes `rows` (objects by column name) with the columns in `order`. */
function writeCsv(order: string[], rows: Record<string, string>[]): string {
  const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
  return csvFile(
    [order.join(","), ...rows.map((row) => order.map((column) => quote(row[column] ?? "")).join(","))].join("\n"),
    dir,
  );
}

const cents = fc.integer({ min: 100, max: 200_000 });
/** The same amount written the ways people write it: 25, 25.0, 25.00, 025.00. */
const spellings = (value: number): string[] => {
  const units = Math.floor(value / 100);
  const fraction = value % 100;
  const two = `${units}.${String(fraction).padStart(2, "0")}`;
  if (fraction === 0) return [String(units), `${units}.0`, two, ` ${two} `, `0${two}`];
  return fraction % 10 === 0 ? [two, `${units}.${fraction / 10}`] : [two, ` ${two}`];
};
const email = fc.constantFrom("alice@example.com", "bob.martin@example.co.uk", "x+tag@sub.example.org");
const mixCase = (text: string, mask: boolean[]) =>
  [...text].map((char, at) => (mask[at % mask.length] ? char.toUpperCase() : char)).join("");

describe("fingerprint invariants", () => {
  it("10 and 10.00 (and every other spelling of an amount) give the same fingerprint", async () => {
    await fc.assert(
      fc.asyncProperty(cents, async (value) => {
        const rows = spellings(value).map((amount) => ({
          amount,
          currency: "USD",
          product_code: "AMZ-US",
          email: "a@example.com",
        }));
        // Distinct files: the same content twice in one file would be a duplicate.
        const prints = await Promise.all(
          rows.map((row) => fingerprints(writeCsv(["amount", "currency", "product_code", "email"], [row]), options)),
        );
        expect(new Set(prints.flat()).size).toBe(1);
      }),
      { numRuns: RUNS },
    );
  });

  it("email case and surrounding spaces do not matter", async () => {
    await fc.assert(
      fc.asyncProperty(
        email,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.constantFrom("", " ", "  "),
        async (address, mask, pad) => {
          const make = (value: string) =>
            writeCsv(
              ["amount", "currency", "product_code", "email"],
              [{ amount: "25", currency: "USD", product_code: "AMZ-US", email: value }],
            );
          const [plain] = await fingerprints(make(address), options);
          const [mixed] = await fingerprints(make(`${pad}${mixCase(address, mask)}${pad}`), options);
          expect(mixed).toBe(plain);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("column order and extra columns change nothing", async () => {
    const columns = ["amount", "currency", "product_code", "email", "description"];
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(columns, { minLength: columns.length, maxLength: columns.length }),
        fc.dictionary(fc.constantFrom("employee_id", "team", "note", "cost_centre"), fc.string({ maxLength: 12 })),
        async (order, extra) => {
          const row = {
            amount: "25",
            currency: "USD",
            product_code: "AMZ-US",
            email: "a@example.com",
            description: "Thanks, team",
          };
          const [plain] = await fingerprints(writeCsv(columns, [row]), options);
          const [shuffled] = await fingerprints(
            writeCsv([...order, ...Object.keys(extra)], [{ ...row, ...extra }]),
            options,
          );
          expect(shuffled).toBe(plain);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("a reference is the row's identity: a different one changes the fingerprint, a corrected amount does not", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Z]{1,3}-\d{1,6}$/),
        fc.stringMatching(/^[A-Z]{1,3}-\d{1,6}$/),
        cents,
        async (first, second, value) => {
          fc.pre(first !== second);
          const make = (reference: string, amount: string) =>
            writeCsv(
              ["amount", "currency", "product_code", "email", "reference"],
              [{ amount, currency: "USD", product_code: "AMZ-US", email: "a@example.com", reference }],
            );
          const amount = spellings(value)[0] ?? "25.00";
          const [a] = await fingerprints(make(first, amount), options);
          const [b] = await fingerprints(make(second, amount), options);
          const [corrected] = await fingerprints(make(first, "1999.99"), options);
          expect(b).not.toBe(a);
          expect(corrected).toBe(a);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("any change to the order-defining content changes the fingerprint", () => {
    const base = {
      amount: "25.00",
      currency: "USD",
      products: { type: "SINGLE", value: "AMZ-US" },
      distribution: { type: "EMAIL", email_address: "a@example.com" },
      email: "a@example.com",
    } as const;
    const texts = [
      fingerprintText(base),
      fingerprintText({ ...base, amount: "25.01" }),
      fingerprintText({ ...base, currency: "CAD" }),
      fingerprintText({ ...base, products: { type: "SINGLE", value: "STB-US" } }),
      fingerprintText({ ...base, products: { type: "MULTIPLE", values: ["AMZ-US", "STB-US"] } }),
      fingerprintText({ ...base, products: { type: "MULTIPLE", values: ["STB-US", "AMZ-US"] } }),
      fingerprintText({ ...base, distribution: { type: "PAYOUT_LINK" } }),
      fingerprintText({
        ...base,
        email: "b@example.com",
        distribution: { type: "EMAIL", email_address: "b@example.com" },
      }),
      fingerprintText({ ...base, description: "Thanks" }),
    ];
    expect(new Set(texts).size).toBe(texts.length);
  });

  it("two payout links for two people are not duplicates (the carried email counts)", async () => {
    const file = writeCsv(
      ["amount", "currency", "product_code", "email", "distribution"],
      [
        { amount: "25", currency: "USD", product_code: "AMZ-US", email: "a@example.com", distribution: "PAYOUT_LINK" },
        { amount: "25", currency: "USD", product_code: "AMZ-US", email: "b@example.com", distribution: "PAYOUT_LINK" },
      ],
    );
    expect(new Set(await fingerprints(file, options)).size).toBe(2);
  });
});

describe("duplicates", () => {
  it("with --allow-duplicates every repeat gets its own fingerprint, and the first keeps the plain one", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 6 }), async (copies) => {
        const row = { amount: "10", currency: "USD", product_code: "TGT-US", email: "a@example.com" };
        const file = writeCsv(
          ["amount", "currency", "product_code", "email"],
          Array.from({ length: copies }, () => row),
        );
        const prints = await fingerprints(file, { ...options, allowDuplicates: true });
        expect(new Set(prints).size).toBe(copies);
        const [alone] = await fingerprints(writeCsv(["amount", "currency", "product_code", "email"], [row]), options);
        expect(prints[0]).toBe(alone);
        expect(prints[2 % copies]).toBe(occurrenceFingerprint(prints[0] ?? "", 2 % copies));
      }),
      { numRuns: 20 },
    );
  });

  it("the index counts occurrences like a Map does, through growth", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 12_000 }), (ids) => {
        const index = new FingerprintIndex();
        const model = new Map<string, { row: number; count: number }>();
        ids.forEach((id, at) => {
          const hex = id.toString(16).padStart(16, "0") + "ff".repeat(24);
          const row = at + 2;
          const seen = model.get(hex);
          expect(index.add(hex, row)).toEqual(seen ? { row: seen.row, occurrence: seen.count } : undefined);
          if (seen) seen.count++;
          else model.set(hex, { row, count: 1 });
        });
      }),
      { numRuns: 30 },
    );
  });
});
