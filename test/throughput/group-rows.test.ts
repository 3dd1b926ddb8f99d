// Which rows may share an order, table-driven: one currency, one country, one description; a
// TEMPLATE row (country unknown) only with rows of its own template.
import { describe, expect, it } from "vitest";
import { compatibilityKey, OrderGrouper, type PendingRow } from "../../src/batch/group-rows.ts";
import type { OrderLine } from "../../src/input/order-line.ts";

let next = 0;
function line(overrides: Partial<OrderLine> = {}): OrderLine {
  next += 1;
  return {
    amount: "10.00",
    currency: "USD",
    products: { type: "SINGLE", value: "AMZ-US" },
    distribution: { type: "PAYOUT_LINK" },
    country: "US",
    fingerprint: `fp-${next}`,
    contentId: `c-${next}`,
    ...overrides,
  };
}
const pending = (overrides: Partial<OrderLine> = {}, row = 2): PendingRow => ({
  line: line(overrides),
  row,
  generation: 0,
});
const template = (id: string, currency = "USD"): Partial<OrderLine> => ({
  products: { type: "TEMPLATE", template_id: id },
  country: "",
  currency,
});

describe("compatibilityKey", () => {
  it.each([
    ["same currency, country and description", {}, {}, true],
    ["different product, same country", {}, { products: { type: "SINGLE", value: "TGT-US" } }, true],
    ["EMAIL beside PAYOUT_LINK", {}, { distribution: { type: "EMAIL", email_address: "a@example.com" } }, true],
    ["different currency", {}, { currency: "CAD" }, false],
    ["different country", { country: "DE" }, { country: "FR" }, false],
    ["different description", { description: "Q1" }, { description: "Q2" }, false],
    ["description vs none", { description: "Q1" }, {}, false],
    ["same template", template("PT-A"), template("PT-A"), true],
    ["different templates of one currency", template("PT-A"), template("PT-B"), false],
    ["template beside a product of the template's currency", template("PT-A"), {}, false],
    ["template id equal to a country code cannot collide", template("US"), { country: "US" }, false],
  ] as const)("%s", (_, a, b, together) => {
    expect(compatibilityKey(line(a as Partial<OrderLine>)) === compatibilityKey(line(b as Partial<OrderLine>))).toBe(
      together,
    );
  });

  it("gives a non-TEMPLATE row with an unknown country an order of its own", () => {
    expect(compatibilityKey(line({ country: "" }))).not.toBe(compatibilityKey(line({ country: "" })));
  });
});

describe("OrderGrouper", () => {
  it("fills groups in file order and flushes the rest in the order they were started", () => {
    const grouper = new OrderGrouper(2);
    const rows = [
      pending({}, 2),
      pending({ currency: "GBP", country: "GB" }, 3),
      pending(template("PT-A"), 4),
      pending({}, 5),
      pending(template("PT-A"), 6),
      pending(template("PT-B"), 7),
    ];
    const emitted = rows.map((row) => grouper.add(row)?.map((member) => member.row));
    expect(emitted).toEqual([undefined, undefined, undefined, [2, 5], [4, 6], undefined]);
    expect(grouper.flush().map((group) => group.map((member) => member.row))).toEqual([[3], [7]]);
    expect(grouper.flush()).toEqual([]);
  });

  it("sends every row alone with one item per order", () => {
    const grouper = new OrderGrouper(1);
    expect(grouper.add(pending({}, 9))?.map((member) => member.row)).toEqual([9]);
    expect(grouper.flush()).toEqual([]);
  });

  it("stops at 200 items, Runa's cap", () => {
    const grouper = new OrderGrouper(200);
    const sizes: number[] = [];
    for (let index = 0; index < 450; index += 1) {
      const group = grouper.add(pending({}, index + 2));
      if (group) sizes.push(group.length);
    }
    sizes.push(...grouper.flush().map((group) => group.length));
    expect(sizes).toEqual([200, 200, 50]);
  });

  it.each([0, 201, 1.5, Number.NaN])("refuses %s items per order", (size) => {
    expect(() => new OrderGrouper(size)).toThrow(RangeError);
  });
});
