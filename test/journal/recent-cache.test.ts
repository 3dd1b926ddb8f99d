import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { recentCache } from "../../src/recent-cache.ts";

describe("recentCache", () => {
  it("makes a value once while its key keeps being asked for, and forgets the least recently used", () => {
    const made: string[] = [];
    const lookup = recentCache(2, (key: string) => {
      made.push(key);
      return `value of ${key}`;
    });
    for (const key of ["a", "a", "a", "b", "b", "a", "c", "a", "b"]) expect(lookup(key)).toBe(`value of ${key}`);
    // a, b made; a used again (most recent); c evicts b; a still held; b made again (evicts c)
    expect(made).toEqual(["a", "b", "c", "b"]);
  });

  it("makes exactly what a plain least-recently-used cache of the same capacity would", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 60 }),
        (capacity, keys) => {
          const made: number[] = [];
          const lookup = recentCache(capacity, (key: number) => {
            made.push(key);
            return key * 10;
          });
          const expected: number[] = [];
          const held: number[] = []; // least recently used first
          for (const key of keys) {
            expect(lookup(key)).toBe(key * 10);
            const at = held.indexOf(key);
            if (at === -1) {
              expected.push(key);
              if (held.length >= capacity) held.shift();
            } else held.splice(at, 1);
            held.push(key);
          }
          expect(made).toEqual(expected);
        },
      ),
    );
  });
});
