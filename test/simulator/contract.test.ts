// Every kind of answer the simulator gives, checked against Runa's OpenAPI spec.
import { describe, expect, it } from "vitest";
import { loadCatalogFixture } from "../../src/simulator/index.ts";
import { validateRequest, validateResponse, validateSchema } from "../helpers/openapi.ts";
import {
  ManualClock,
  call,
  item,
  orderBody,
  postOrder,
  simulator,
  untilSettled,
  type Answer,
} from "../helpers/simulator.ts";

function expectContract(method: string, path: string, answer: Answer): void {
  expect(validateResponse(method, path, answer.status, answer.json)).toEqual([]);
}

describe("catalog fixture", () => {
  const fixture = loadCatalogFixture();

  it.each(fixture.catalog.map((product) => [product.code, product] as const))(
    "%s is a valid Product",
    (_code, product) => {
      expect(validateSchema("Product", product)).toEqual([]);
    },
  );

  it("has the codes the other modules rely on", () => {
    const codes = fixture.catalog.map((product) => product.code);
    for (const code of [
      "AMZ-US",
      "TGT-US",
      "STB-US",
      "AMZ-UK",
      "TSC-UK",
      "ZAL-DE",
      "IKEA-FR",
      "CTIRE-CA",
      "OLD-US",
      "NFLX-US",
    ]) {
      expect(codes).toContain(code);
    }
    expect(fixture.catalog.find((product) => product.code === "OLD-US")?.is_orderable).toBe(false);
    expect(
      fixture.catalog
        .find((product) => product.code === "NFLX-US")
        ?.subscription?.subscription_plans.map((plan) => plan.subscription_plan_code),
    ).toContain("NFLX-US-SUB-3");
    expect(fixture.templates.map((template) => template.currency).sort()).toEqual(["CAD", "EUR", "GBP", "USD"]);
    expect(new Set(fixture.catalog.map((product) => product.currency))).toEqual(new Set(["USD", "GBP", "EUR", "CAD"]));
  });
});

describe("contract of the simulator's answers", () => {
  it("POST /order async (202), processing, completed and the list", async () => {
    const clock = new ManualClock();
    const sim = await simulator({ clock, completionDelayMs: 1_000 });
    const body = orderBody(
      [item({ product: "TGT-US", faceValue: 25, email: "a@example.com" }), item({ faceValue: 12.5 })],
      "USD",
      {
        description: "contract",
        metadata: { campaign: "spring" },
      },
    );
    expect(
      validateRequest({
        method: "POST",
        path: "/order",
        headers: { "X-Idempotency-Key": "k", "X-Execution-Mode": "async" },
        body: JSON.parse(body),
      }),
    ).toEqual([]);
    const accepted = await postOrder(sim, body);
    expect(accepted.status).toBe(202);
    expectContract("POST", "/order", accepted);

    const processing = await call(sim, `/order/${accepted.json.id}`);
    expect(processing.json.status).toBe("PROCESSING");
    expectContract("GET", `/order/${accepted.json.id}`, processing);
    expectContract("GET", "/order", await call(sim, "/order"));

    clock.advance(1_000);
    const completed = await call(sim, `/order/${accepted.json.id}`);
    expect(completed.json.status).toBe("COMPLETED");
    expectContract("GET", `/order/${accepted.json.id}`, completed);
    expectContract("GET", "/order", await call(sim, "/order"));
  });

  it("POST /order sync (200, the full order) and template / multiple / subscription items", async () => {
    const sim = await simulator();
    const selections = [
      item({ products: { type: "TEMPLATE", template_id: "PT-01HQ12PV4B8XMBRTK281JM54KK" }, faceValue: 20 }),
      item({ products: { type: "MULTIPLE", values: ["AMZ-US", "STB-US"] }, faceValue: 30 }),
      item({ product: "NFLX-US-SUB-3", faceValue: 46.47 }),
    ];
    for (const [index, selection] of selections.entries()) {
      const answer = await postOrder(sim, orderBody([selection]), { key: `sync-${index}`, mode: "sync" });
      expect(answer.status).toBe(200);
      expect(answer.json.status).toBe("COMPLETED");
      expectContract("POST", "/order", answer);
    }
  });

  it("FAILED orders are IncompleteOrder-shaped", async () => {
    const sim = await simulator({ failureRate: 1 });
    const accepted = await postOrder(sim);
    const failed = await untilSettled(sim, accepted.json.id);
    expect(failed.json).toMatchObject({ id: accepted.json.id, status: "FAILED" });
    expectContract("GET", `/order/${accepted.json.id}`, failed);
    expectContract("GET", "/order", await call(sim, "/order"));
  });

  it("products, product, balances and ping", async () => {
    const sim = await simulator();
    for (const path of [
      "/product",
      "/product?limit=2&is_orderable=true",
      "/product/AMZ-US",
      "/product/NFLX-US",
      "/balance",
      "/balance?currency=USD",
      "/ping",
      "/product/countries",
      "/product/categories",
    ]) {
      const answer = await call(sim, path);
      expect(answer.status, path).toBe(200);
      expectContract("GET", path, answer);
    }
  });

  it.each([
    ["GET", "/order/O-NOPE", 404],
    ["GET", "/product/NOPE-US", 404],
    ["GET", "/product?limit=0", 400],
    ["GET", "/balance?currency=usd", 400],
  ])("%s %s errors (%i)", async (method, path, status) => {
    const sim = await simulator();
    const answer = await call(sim, path, { method });
    expect(answer.status).toBe(status);
    expectContract(method, path, answer);
  });

  it("POST /order errors: 401, 400, 422, 429", async () => {
    // Two authenticated POSTs fill the window (the 401 does not count: the limit is per account).
    const sim = await simulator({ ordersPerMinute: 2 });
    const unauthorized = await postOrder(sim, orderBody(), { headers: { "x-api-key": "" } });
    expect(unauthorized.status).toBe(401);
    expectContract("POST", "/order", unauthorized);
    const invalid = await postOrder(sim, orderBody([item({ faceValue: 0 })]), { key: "bad" });
    expect(invalid.status).toBe(422);
    expect(invalid.json.details[0]).toMatchObject({ location: ["body", "items", "0", "face_value"] });
    expectContract("POST", "/order", invalid);
    const refused = await postOrder(sim, orderBody([item({ product: "OLD-US" })]), { key: "old" });
    expect(refused.status).toBe(400);
    expectContract("POST", "/order", refused);
    const limited = await postOrder(sim, orderBody(), { key: "fourth" });
    expect(limited.status).toBe(429);
    expectContract("POST", "/order", limited);
  });
});

describe("POST /order/estimate", () => {
  const estimateBody = (items: object[], currency = "USD") =>
    JSON.stringify({ payment_method: { type: "ACCOUNT_BALANCE", currency }, items });

  it("prices SINGLE and MULTIPLE items exactly as an order would be charged, per the spec, and orders nothing", async () => {
    const sim = await simulator();
    const body = estimateBody([
      { products: { type: "SINGLE", value: "TGT-US" }, face_value: 25 },
      { products: { type: "MULTIPLE", values: ["AMZ-US", "STB-US"] }, face_value: 30 },
    ]);
    expect(validateRequest({ method: "POST", path: "/order/estimate", headers: {}, body: JSON.parse(body) })).toEqual(
      [],
    );
    const estimate = await call(sim, "/order/estimate", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(estimate.status).toBe(200);
    expectContract("POST", "/order/estimate", estimate);
    expect(sim.state.countOrders()).toBe(0);

    // the same two items as a real order: the estimate is what the order costs
    const order = await postOrder(
      sim,
      orderBody([
        item({ product: "TGT-US", faceValue: 25 }),
        item({ products: { type: "MULTIPLE", values: ["AMZ-US", "STB-US"] }, faceValue: 30 }),
      ]),
      { key: "estimate-check" },
    );
    const settled = await untilSettled(sim, order.json.id);
    expect(estimate.json.total_price).toBe(Number(settled.json.total_price));
    expect(estimate.json.items.map((entry: { price: number }) => entry.price)).toEqual(
      settled.json.items.map((entry: { price: string }) => Number(entry.price)),
    );
  });

  it.each([
    ["no items", estimateBody([]), 422],
    [
      "a TEMPLATE item (the spec's estimate takes SINGLE or MULTIPLE)",
      estimateBody([{ products: { type: "TEMPLATE", template_id: "PT-01HQ12PV4B8XMBRTK281JM54KK" }, face_value: 20 }]),
      422,
    ],
    ["not JSON", "{", 422],
  ])("refuses %s with 422 and details", async (_name, body, status) => {
    const sim = await simulator();
    const answer = await call(sim, "/order/estimate", {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    expect(answer.status).toBe(status);
    expect(answer.json.details.length).toBeGreaterThan(0);
    expectContract("POST", "/order/estimate", answer);
  });
});
