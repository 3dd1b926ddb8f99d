// Completed items back to rows by content, never by position: against what the simulator really
// answers (MULTIPLE, TEMPLATE with its product list), shuffled, and as a property.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchPayouts } from "../../src/batch/match-payouts.ts";
import { orderBody } from "../../src/batch/order-body.ts";
import type { OrderLine } from "../../src/input/order-line.ts";
import type { MemberRow } from "../../src/journal/records.ts";
import type { CompletedOrderItem, FullOrder } from "../../src/runa/types.ts";
import { postOrder, simulator, untilSettled } from "../helpers/simulator.ts";

const USD_TEMPLATE = "PT-01HQ12PV4B8XMBRTK281JM54KK";

function line(index: number, overrides: Partial<OrderLine>): OrderLine {
  return {
    amount: "10.00",
    currency: "USD",
    products: { type: "SINGLE", value: "AMZ-US" },
    distribution: { type: "PAYOUT_LINK" },
    country: "US",
    fingerprint: `fp-${index}`,
    contentId: `c-${index}`,
    ...overrides,
  };
}
const members = (lines: readonly OrderLine[]): MemberRow[] =>
  lines.map((each, index) => ({ fp: each.fingerprint, gen: 0, row: index + 2 }));

function item(id: string, content: { face: string; email?: string; products?: unknown }): CompletedOrderItem {
  return {
    id,
    face_value: content.face,
    price: content.face,
    distribution_method:
      content.email === undefined ? { type: "PAYOUT_LINK" } : { type: "EMAIL", email_address: content.email },
    products: content.products ?? { type: "SINGLE", value: "AMZ-US" },
    payout: { status: "ACTIVE", status_updated_at: "2026-01-01T00:00:00Z", url: `https://pay.example/${id}` },
  };
}

/** Fisher-Yates with a fixed seed: the answer's order is not the request's. */
function shuffled<T>(values: readonly T[], seed = 7): T[] {
  const copy = [...values];
  let state = seed;
  for (let index = copy.length - 1; index > 0; index -= 1) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const other = state % (index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

describe("matchPayouts against the simulator's completed orders", () => {
  it("matches SINGLE, MULTIPLE and TEMPLATE items, EMAIL and interchangeable PAYOUT_LINK, whatever their order", async () => {
    const sim = await simulator();
    const lines = [
      line(0, { distribution: { type: "EMAIL", email_address: "ann@example.com" }, amount: "25.00" }),
      line(1, {}),
      line(2, {
        products: { type: "MULTIPLE", values: ["STB-US", "AMZ-US"] },
        amount: "30.00",
        distribution: { type: "EMAIL", email_address: "bo@example.com" },
      }),
      line(3, {
        products: { type: "TEMPLATE", template_id: USD_TEMPLATE },
        amount: "30.00",
        distribution: { type: "EMAIL", email_address: "cy@example.com" },
        country: "",
      }),
      line(4, {}),
      line(5, { distribution: { type: "EMAIL", email_address: "ann@example.com" }, amount: "10.00" }),
      line(6, {
        products: { type: "TEMPLATE", template_id: USD_TEMPLATE },
        amount: "30.00",
        distribution: { type: "EMAIL", email_address: "dee@example.com" },
        country: "",
      }),
    ];
    const body = orderBody(lines);
    const accepted = await postOrder(sim, body, { key: "match-1" });
    expect(accepted.status).toBe(202);
    const completed = (await untilSettled(sim, accepted.json.id)).json as FullOrder;
    expect(completed.status).toBe("COMPLETED");
    // what the simulator adds: a template lists its products
    expect(
      completed.items.find((each) => (each.products as { type: string }).type === "TEMPLATE")?.products,
    ).toMatchObject({ values: expect.any(Array) });

    for (const seed of [1, 2, 3, 4, 5]) {
      const payouts = matchPayouts(members(lines), body, shuffled(completed.items, seed));
      const byId = new Map(completed.items.map((each) => [each.id, each]));
      expect(new Set(payouts.map((payout) => payout.itemId)).size).toBe(lines.length);
      payouts.forEach((payout, index) => {
        const matched = byId.get(payout.itemId!)!;
        const wanted = JSON.parse(body).items[index];
        expect(payout.fp).toBe(lines[index]!.fingerprint);
        expect(matched.distribution_method).toEqual(wanted.distribution_method);
        expect(Number(matched.face_value)).toBe(wanted.face_value);
        expect(matched.products).toMatchObject(wanted.products);
        expect(payout.url).toBe(matched.payout.url);
      });
    }
  });
});

describe("matchPayouts rules", () => {
  const ann = line(0, { distribution: { type: "EMAIL", email_address: "ann@example.com" } });
  const bo = line(1, { distribution: { type: "EMAIL", email_address: "bo@example.com" } });

  it("matches an address whatever its case and a face value whatever its form", () => {
    const payouts = matchPayouts(members([ann]), orderBody([ann]), [
      item("I-1", { face: "10", email: "Ann@Example.COM" }),
    ]);
    expect(payouts[0]?.itemId).toBe("I-1");
  });

  it("treats MULTIPLE codes as a set", () => {
    const multiple = line(0, { products: { type: "MULTIPLE", values: ["AMZ-US", "STB-US"] } });
    const payouts = matchPayouts(members([multiple]), orderBody([multiple]), [
      item("I-1", { face: "10.00", products: { type: "MULTIPLE", values: ["STB-US", "AMZ-US"] } }),
    ]);
    expect(payouts[0]?.itemId).toBe("I-1");
  });

  it("never gives a row an item of another address, amount or product", () => {
    const payouts = matchPayouts(members([ann, bo]), orderBody([ann, bo]), [
      item("I-1", { face: "10.00", email: "someone@example.com" }),
      item("I-2", { face: "11.00", email: "bo@example.com" }),
      item("I-3", { face: "10.00", email: "ann@example.com", products: { type: "SINGLE", value: "TGT-US" } }),
    ]);
    expect(payouts).toEqual([{ fp: ann.fingerprint }, { fp: bo.fingerprint }]);
  });

  it("gives each item once: two rows, one matching item", () => {
    const first = line(0, {});
    const second = line(1, {});
    const payouts = matchPayouts(members([first, second]), orderBody([first, second]), [
      item("I-1", { face: "10.00" }),
    ]);
    expect(payouts.map((payout) => payout.itemId)).toEqual(["I-1", undefined]);
  });

  it("matches an UNKNOWN-product item only when the waiting rows of its address and amount all asked for the same products", () => {
    const unknown = { type: "UNKNOWN" };
    expect(
      matchPayouts(members([ann]), orderBody([ann]), [
        item("I-1", { face: "10.00", email: "ann@example.com", products: unknown }),
      ])[0]?.itemId,
    ).toBe("I-1");
    const links = [line(0, {}), line(1, { products: { type: "SINGLE", value: "TGT-US" } })];
    const ambiguous = matchPayouts(members(links), orderBody(links), [
      item("I-1", { face: "10.00", products: unknown }),
      item("I-2", { face: "10.00", products: unknown }),
    ]);
    expect(ambiguous.map((payout) => payout.itemId)).toEqual([undefined, undefined]);
  });

  it("matches nothing when the journaled rows and body disagree, or a face value is unreadable", () => {
    expect(
      matchPayouts(members([ann, bo]), orderBody([ann]), [item("I-1", { face: "10.00", email: "ann@example.com" })]),
    ).toEqual([{ fp: ann.fingerprint }, { fp: bo.fingerprint }]);
    expect(
      matchPayouts(members([ann]), orderBody([ann]), [
        { ...item("I-1", { face: "10.00", email: "ann@example.com" }), face_value: undefined as unknown as string },
      ]),
    ).toEqual([{ fp: ann.fingerprint }]);
  });

  it("property: any permutation of the answer gives every row an item of its own content, each item once", () => {
    const contents = [
      { email: "a@example.com", amount: "10.00", product: "AMZ-US" },
      { email: "b@example.com", amount: "10.00", product: "AMZ-US" },
      { email: undefined, amount: "10.00", product: "AMZ-US" },
      { email: undefined, amount: "12.50", product: "AMZ-US" },
      { email: undefined, amount: "10.00", product: "TGT-US" },
    ];
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: contents.length - 1 }), { minLength: 1, maxLength: 40 }),
        fc.integer(),
        (picks, seed) => {
          const lines = picks.map((pick, index) => {
            const content = contents[pick]!;
            return line(index, {
              amount: content.amount,
              products: { type: "SINGLE", value: content.product },
              distribution: content.email ? { type: "EMAIL", email_address: content.email } : { type: "PAYOUT_LINK" },
            });
          });
          const items = lines.map((each, index) =>
            item(`I-${index}`, {
              face: each.amount,
              products: each.products,
              ...(each.distribution.type === "EMAIL" ? { email: each.distribution.email_address } : {}),
            }),
          );
          const payouts = matchPayouts(members(lines), orderBody(lines), shuffled(items, Math.abs(seed) + 1));
          expect(new Set(payouts.map((payout) => payout.itemId)).size).toBe(lines.length);
          payouts.forEach((payout, index) => {
            const given = items.find((each) => each.id === payout.itemId)!;
            const wanted = lines[index]!;
            expect(given.face_value).toBe(wanted.amount);
            expect(given.products).toEqual(wanted.products);
            expect(given.distribution_method).toEqual(wanted.distribution);
          });
        },
      ),
    );
  });
});
