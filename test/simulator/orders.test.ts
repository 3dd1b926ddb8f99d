// Order lifecycle, pricing and balance, catalog rules, pagination and auth.
import { describe, expect, it } from "vitest";
import { ManualClock, call, item, orderBody, postOrder, simulator, untilSettled } from "../helpers/simulator.ts";

describe("order lifecycle", () => {
  it("stays PROCESSING for completionDelayMs by the injected clock, then COMPLETED with simulated links", async () => {
    const clock = new ManualClock();
    const sim = await simulator({ clock, completionDelayMs: 1_000 });
    const accepted = await postOrder(
      sim,
      orderBody([item({ product: "TGT-US", faceValue: 50, email: "r@example.com" })]),
    );
    expect(accepted.json).toEqual({ id: expect.stringMatching(/^O-[0-9A-Z]{26}$/), status: "PROCESSING" });
    clock.advance(999);
    expect((await call(sim, `/order/${accepted.json.id}`)).json).toEqual({
      id: accepted.json.id,
      status: "PROCESSING",
      message: expect.any(String),
    });
    clock.advance(1);
    const done = await call(sim, `/order/${accepted.json.id}`);
    expect(done.json).toMatchObject({
      status: "COMPLETED",
      currency: "USD",
      total_price: "47.50",
      total_discount: "2.50",
    });
    const [line] = done.json.items;
    expect(line).toMatchObject({
      face_value: "50.00",
      price: "47.50",
      currency: "USD",
      products: { type: "SINGLE", value: "TGT-US" },
    });
    expect(line.payout.url).toBe(`${sim.url}/redeem/${line.id}`);
    const page = await fetch(line.payout.url);
    expect(await page.text()).toContain("SIMULATED payout link, not real money");
    expect(sim.state.orders[0]?.status).toBe("COMPLETED");
  });

  it("sync mode answers 200 with the completed order and allows one item only", async () => {
    const sim = await simulator();
    const done = await postOrder(sim, orderBody(), { mode: "sync" });
    expect(done.status).toBe(200);
    expect(done.json.status).toBe("COMPLETED");
    const two = await postOrder(sim, orderBody([item(), item()]), { key: "two", mode: "sync" });
    expect(two.json.type).toBe("invalid_execution_mode");
    expect((await postOrder(sim, orderBody(), { key: "x", mode: "later" })).json.type).toBe("invalid_execution_mode");
  });

  it("unknown order ids are 404 not_found", async () => {
    const sim = await simulator();
    expect((await call(sim, "/order/O-NOPE")).json.type).toBe("not_found");
  });
});

describe("balance", () => {
  it("goes down by the discounted price, rounded to the cent, and insufficient_funds beyond it", async () => {
    const sim = await simulator({ balances: { USD: "30.00" } });
    // AMZ-US discount 0.03: 12.35 × 0.97 = 11.9795 → 11.98; 10 × 0.97 = 9.70.
    const answer = await postOrder(sim, orderBody([item({ faceValue: 12.35 }), item({ faceValue: 10 })]));
    expect(answer.status).toBe(202);
    expect(sim.state.balance("USD")).toBe("8.32");
    expect((await call(sim, "/balance?currency=USD")).json).toEqual({ balance: "8.32", currency: "USD" });
    expect((await call(sim, "/balance")).json).toEqual([{ balance: "8.32", currency: "USD" }]);
    const poor = await postOrder(sim, orderBody([item({ faceValue: 10 })]), { key: "poor" });
    expect(poor.json.type).toBe("insufficient_funds");
    expect(sim.state.balance("USD")).toBe("8.32");
    const done = await untilSettled(sim, answer.json.id);
    expect(done.json).toMatchObject({ total_price: "21.68", total_discount: "0.67" });
  });

  it("an exact balance is enough", async () => {
    const sim = await simulator({ balances: { USD: "9.70" } });
    expect((await postOrder(sim, orderBody([item({ faceValue: 10 })]))).status).toBe(202);
    expect(sim.state.balance("USD")).toBe("0.00");
  });

  it("FAILED orders end FAILED after the delay and refund their price", async () => {
    // A manual clock: with a real one, a busy machine let the failure (and its refund) land before
    // the balance was read.
    const clock = new ManualClock();
    const sim = await simulator({ clock, failureRate: 1, balances: { USD: "100.00" }, completionDelayMs: 1_000 });
    const accepted = await postOrder(sim, orderBody([item({ faceValue: 50 })]));
    expect(sim.state.balance("USD")).toBe("51.50");
    clock.advance(1_000);
    const failed = await untilSettled(sim, accepted.json.id);
    expect(failed.json).toEqual({ id: accepted.json.id, status: "FAILED", message: expect.any(String) });
    expect(sim.state.balance("USD")).toBe("100.00");
  });

  it("a currency without an account is payment_method_unavailable", async () => {
    const sim = await simulator({ balances: { USD: "100.00" } });
    expect((await postOrder(sim, orderBody([item({ product: "AMZ-UK" })], "GBP"))).json.type).toBe(
      "payment_method_unavailable",
    );
  });
});

describe("catalog rules", () => {
  it.each([
    ["fixed denomination in the list", item({ product: "TGT-US", faceValue: 25 }), "USD", 202, undefined],
    [
      "fixed denomination not in the list",
      item({ product: "TGT-US", faceValue: 30 }),
      "USD",
      400,
      "product_validation_error",
    ],
    ["open at its minimum", item({ product: "STB-US", faceValue: 5 }), "USD", 202, undefined],
    ["open below its minimum", item({ product: "STB-US", faceValue: 4.99 }), "USD", 400, "product_validation_error"],
    ["open above its maximum", item({ product: "AMZ-UK", faceValue: 1000.01 }), "GBP", 400, "product_validation_error"],
    ["three decimal places", item({ faceValue: 10.005 }), "USD", 400, "product_validation_error"],
    ["unknown product", item({ product: "NOPE-US" }), "USD", 400, "product_validation_error"],
    ["not orderable", item({ product: "OLD-US" }), "USD", 400, "product_validation_error"],
    [
      "subscription by its top-level code",
      item({ product: "NFLX-US", faceValue: 46.47 }),
      "USD",
      400,
      "product_validation_error",
    ],
    [
      "subscription by plan code at the plan price",
      item({ product: "NFLX-US-SUB-3", faceValue: 46.47 }),
      "USD",
      202,
      undefined,
    ],
    [
      "subscription plan at another price",
      item({ product: "NFLX-US-SUB-3", faceValue: 40 }),
      "USD",
      400,
      "product_validation_error",
    ],
    [
      "template, whole and >= 5",
      item({ products: { type: "TEMPLATE", template_id: "PT-01HPPT8ME05693EG77RCGKMX7N" }, faceValue: 5 }),
      "GBP",
      202,
      undefined,
    ],
    [
      "template below 5",
      item({ products: { type: "TEMPLATE", template_id: "PT-01HPPT8ME05693EG77RCGKMX7N" }, faceValue: 4 }),
      "GBP",
      400,
      "product_validation_error",
    ],
    [
      "template not whole",
      item({ products: { type: "TEMPLATE", template_id: "PT-01HQ130AHCKRRB45Z5XV2Y8W9K" }, faceValue: 10.5 }),
      "EUR",
      400,
      "product_validation_error",
    ],
    [
      "unknown template",
      item({ products: { type: "TEMPLATE", template_id: "PT-NOPE" }, faceValue: 10 }),
      "USD",
      400,
      "product_validation_error",
    ],
    [
      "multiple, whole, >= largest minimum",
      item({ products: { type: "MULTIPLE", values: ["AMZ-US", "STB-US"] }, faceValue: 5 }),
      "USD",
      202,
      undefined,
    ],
    [
      "multiple below a product's minimum",
      item({ products: { type: "MULTIPLE", values: ["AMZ-US", "STB-US"] }, faceValue: 4 }),
      "USD",
      400,
      "product_validation_error",
    ],
    [
      "multiple not whole",
      item({ products: { type: "MULTIPLE", values: ["AMZ-US", "STB-US"] }, faceValue: 7.5 }),
      "USD",
      400,
      "product_validation_error",
    ],
    [
      "multiple across currencies",
      item({ products: { type: "MULTIPLE", values: ["AMZ-US", "AMZ-UK"] }, faceValue: 10 }),
      "USD",
      400,
      "product_validation_error",
    ],
    ["product currency differs from payment", item({ product: "AMZ-UK" }), "USD", 400, "currency_mismatch"],
    [
      "template currency differs from payment",
      item({ products: { type: "TEMPLATE", template_id: "PT-01HQ12SMX2964BVXG2N69K8HF3" }, faceValue: 10 }),
      "USD",
      400,
      "currency_mismatch",
    ],
  ])("%s", async (_name, line, currency, status, type) => {
    const sim = await simulator();
    const answer = await postOrder(sim, orderBody([line], currency));
    expect(answer.status).toBe(status);
    expect(answer.json.type).toBe(type);
    expect(sim.state.countOrders()).toBe(status === 202 ? 1 : 0);
  });

  it("all items of one order share a country", async () => {
    const sim = await simulator();
    const split = await postOrder(
      sim,
      orderBody([item({ product: "ZAL-DE" }), item({ product: "IKEA-FR", faceValue: 25 })], "EUR"),
      { key: "split" },
    );
    expect(split.json.type).toBe("product_validation_error");
    // ZAL-DE is redeemable in DE and AT, SPOT-DE in DE: they share DE.
    expect(
      (
        await postOrder(
          sim,
          orderBody([item({ product: "ZAL-DE" }), item({ product: "SPOT-DE", faceValue: 10 })], "EUR"),
          { key: "de" },
        )
      ).status,
    ).toBe(202);
  });

  it("setOrderable takes a product out of (and back into) the catalog", async () => {
    const sim = await simulator();
    sim.state.setOrderable("AMZ-US", false);
    expect((await postOrder(sim, orderBody(), { key: "a" })).json.type).toBe("product_validation_error");
    expect((await call(sim, "/product/AMZ-US")).json.is_orderable).toBe(false);
    sim.state.setOrderable("AMZ-US", true);
    expect((await postOrder(sim, orderBody(), { key: "b" })).status).toBe(202);
  });

  it("422 validation_error lists each problem with its location", async () => {
    const sim = await simulator();
    const answer = await postOrder(
      sim,
      JSON.stringify({ payment_method: { type: "CARD", currency: "usd" }, items: [{ face_value: "10" }] }),
    );
    expect(answer.status).toBe(422);
    expect(answer.json.details.map((detail: { location: string[] }) => detail.location.join("."))).toEqual([
      "body.payment_method.type",
      "body.payment_method.currency",
      "body.items.0.face_value",
      "body.items.0.distribution_method",
      "body.items.0.products",
    ]);
    expect((await postOrder(sim, "{not json", { key: "broken" })).json.type).toBe("validation_error");
  });
});

describe("pagination", () => {
  it("walks the catalog to an empty page, with filters", async () => {
    const sim = await simulator();
    const codes: string[] = [];
    let path = "/product?limit=4";
    for (let pages = 0; pages < 20; pages++) {
      const page = await call(sim, path);
      expect(page.status).toBe(200);
      if (page.json.catalog.length === 0) break;
      codes.push(...page.json.catalog.map((product: { code: string }) => product.code));
      path = `/product?limit=4&after=${page.json.pagination.cursors.after}`;
    }
    expect(codes).toEqual(sim.state.catalog.products.map((product) => product.code));
    // the spec: "If `true`, returns only those which can be ordered, if `false`, returns all products"
    const all = await call(sim, "/product?is_orderable=false");
    expect(all.json.catalog.map((product: { code: string }) => product.code)).toEqual(
      sim.state.catalog.products.map((product) => product.code),
    );
    const orderable = await call(sim, "/product?is_orderable=true");
    expect(orderable.json.catalog.map((product: { code: string }) => product.code)).toEqual(
      sim.state.catalog.products.filter((product) => product.is_orderable).map((product) => product.code),
    );
    expect(orderable.json.catalog.length).toBeLessThan(all.json.catalog.length);
    const germanOrAustrian = await call(sim, "/product?countries_redeemable_in=AT");
    expect(germanOrAustrian.json.catalog.map((product: { code: string }) => product.code)).toEqual(["ZAL-DE"]);
  });

  it.each(["limit=0", "limit=501", "limit=abc", "after=NOPE", "after=AMZ-US&before=TGT-US"])(
    "refuses %s with pagination_error",
    async (query) => {
      const sim = await simulator();
      const answer = await call(sim, `/product?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.json.type).toBe("pagination_error");
    },
  );

  it("lists orders page by page", async () => {
    const sim = await simulator();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await postOrder(sim, undefined, { key: `o${i}` })).json.id);
    const first = await call(sim, "/order?limit=2");
    const second = await call(sim, `/order?limit=2&after=${first.json.pagination.cursors.after}`);
    const third = await call(sim, `/order?limit=2&after=${second.json.pagination.cursors.after}`);
    const end = await call(sim, `/order?limit=2&after=${third.json.pagination.cursors.after}`);
    const listed = [first, second, third].flatMap((page) => page.json.items.map((order: { id: string }) => order.id));
    expect(listed).toEqual(ids);
    expect(end.json.items).toEqual([]);
    expect(
      (await call(sim, `/order?limit=2&before=${ids[4]}`)).json.items.map((order: { id: string }) => order.id),
    ).toEqual(ids.slice(2, 4));
  });
});

describe("auth and version", () => {
  it("accepts any non-empty key unless one is configured; /ping needs none", async () => {
    const open = await simulator();
    expect((await call(open, "/balance", { headers: { "x-api-key": "anything" } })).status).toBe(200);
    const closed = await simulator({ apiKey: "s3cret" });
    for (const path of ["/balance", "/order", "/order/O-1", "/product", "/product/AMZ-US"]) {
      const answer = await call(closed, path, { headers: { "x-api-key": "wrong" } });
      expect(answer.status, path).toBe(401);
      expect(answer.json.type).toBe("unauthorized");
    }
    expect((await postOrder(closed, undefined, { headers: { "x-api-key": "wrong" } })).status).toBe(401);
    expect((await call(closed, "/balance", { headers: { "x-api-key": "s3cret" } })).status).toBe(200);
    expect((await call(closed, "/ping", { headers: { "x-api-key": "" } })).json).toEqual({ message: "pong" });
    expect(closed.state.countOrders()).toBe(0);
  });

  it("falls back to the account's default version (2024-02-05) when none is sent, and names it on every answer", async () => {
    const sim = await simulator();
    const response = await fetch(`${sim.url}/order`, {
      method: "POST",
      headers: { "x-api-key": "k", "x-idempotency-key": "no-version", "content-type": "application/json" },
      body: orderBody(),
    });
    expect(response.status).toBe(202);
    expect(response.headers.get("x-api-version")).toBe("2024-02-05");
    for (const path of ["/ping", "/balance", "/product", "/order/O-NOPE"]) {
      expect(
        (await fetch(`${sim.url}${path}`, { headers: { "x-api-key": "k" } })).headers.get("x-api-version"),
        path,
      ).toBe("2024-02-05");
    }
  });

  it("refuses an unknown version (400 invalid_version) and the removed one (410)", async () => {
    const sim = await simulator();
    expect((await postOrder(sim, undefined, { headers: { "x-api-version": "2099-01-01" } })).json.type).toBe(
      "invalid_version",
    );
    const removed = await postOrder(sim, undefined, { headers: { "x-api-version": "2023-07-27" } });
    expect(removed.status).toBe(410);
    expect(removed.json.type).toBe("version_removed");
  });

  it("requires an idempotency key on POST /order", async () => {
    const sim = await simulator();
    const answer = await postOrder(sim, undefined, { key: "" });
    expect(answer.status).toBe(400);
    expect(answer.json.type).toBe("bad_request");
  });
});

describe("state inspection", () => {
  it("records every request with its answer", async () => {
    const sim = await simulator();
    await postOrder(sim, orderBody(), { key: "seen" });
    await call(sim, "/product?limit=1");
    const [post, get] = sim.state.requests;
    expect(post).toMatchObject({ method: "POST", path: "/order", rawBody: orderBody(), responseStatus: 202 });
    expect(post?.headers["x-idempotency-key"]).toBe("seen");
    expect(get).toMatchObject({ method: "GET", path: "/product", query: { limit: ["1"] }, responseStatus: 200 });
    expect(sim.state.countOrderPosts()).toBe(1);
  });
});
