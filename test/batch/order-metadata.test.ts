import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { orderMetadata } from "../../src/batch/order-metadata.ts";
import { packageVersion } from "../../src/package-version.ts";
import { validateSchema } from "../helpers/openapi.ts";

const rows = (numbers: number[], ref?: (n: number) => string) =>
  numbers.map((row) => (ref ? { row, ref: ref(row) } : { row }));

describe("orderMetadata", () => {
  it("names the tool, the batch and the rows, ranges compressed", () => {
    expect(orderMetadata("rewards-2026-11", rows([2]))).toEqual({
      tool: `runa-batch ${packageVersion()}`,
      batch_id: "rewards-2026-11",
      rows: "2",
    });
    expect(orderMetadata("b", rows([7, 2, 3, 4, 9, 10]))).toMatchObject({ rows: "2-4,7,9-10" });
    // a row with a reference is named by it (it stays put when rows move), one without by its number
    expect(
      orderMetadata(
        "b",
        rows([5, 6], (n) => `E-${n}`),
      ),
    ).toEqual({ tool: `runa-batch ${packageVersion()}`, batch_id: "b", references: "E-5,E-6" });
    expect(orderMetadata("b", [{ row: 2 }, { row: 3, ref: "E-3" }, { row: 4 }])).toMatchObject({
      rows: "2,4",
      references: "E-3",
    });
  });

  it("spreads a long row list over rows, rows_2, ... and keeps every row number", () => {
    // 200 rows, every other one, at seven-digit row numbers: 200 ranges of 7 characters
    const numbers = Array.from({ length: 200 }, (_, index) => 1_000_000 + 2 * index);
    const metadata = orderMetadata("b", rows(numbers));
    const listed = Object.entries(metadata)
      .filter(([key]) => /^rows(_\d+)?$/.test(key))
      .flatMap(([, value]) => value.split(","))
      .map(Number);
    expect(listed).toEqual(numbers);
    expect(metadata.rows_2).toBeDefined();
  });

  it("summarises references that cannot fit, and clips a long batch id", () => {
    const metadata = orderMetadata(
      "x".repeat(300),
      rows(
        Array.from({ length: 200 }, (_, index) => 2 + index),
        (n) => `reference-${"r".repeat(60)}-${n}`,
      ),
    );
    expect(metadata.batch_id).toHaveLength(200);
    expect(metadata.rows).toBeUndefined();
    expect(metadata.references).toBe(
      `200 references, first reference-${"r".repeat(60)}-2, last reference-${"r".repeat(60)}-201`,
    );
  });

  it("always stays within Runa's limits (OrderMetadata in the spec): 20 pairs, keys <= 40, values <= 200", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 400 }),
        fc.uniqueArray(fc.integer({ min: 2, max: 2_000_000_000 }), { minLength: 1, maxLength: 200 }),
        fc.option(fc.string({ minLength: 1, maxLength: 300 }), { nil: undefined }),
        fc.integer({ min: 1, max: 3 }),
        (batchId, numbers, reference, every) => {
          // every `every`-th row carries a reference (all of them when every = 1)
          const members = numbers.map((row, index) =>
            reference !== undefined && index % every === 0 ? { row, ref: `${reference}${row}` } : { row },
          );
          const metadata = orderMetadata(batchId, members);
          expect(validateSchema("OrderMetadata", metadata)).toEqual([]);
          expect(Object.keys(metadata).length).toBeLessThanOrEqual(20);
          for (const [key, value] of Object.entries(metadata)) {
            expect(key.length).toBeLessThanOrEqual(40);
            expect(value.length).toBeLessThanOrEqual(200);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
