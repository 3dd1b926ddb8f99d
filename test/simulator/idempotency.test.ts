// Runa's idempotency rules: replay for 30 days (4xx included), different body refused, in-flight key.
import { describe, expect, it, vi } from "vitest";
import { IDEMPOTENCY_TTL_MS } from "../../src/simulator/index.ts";
import { ManualClock, item, orderBody, postOrder, simulator } from "../helpers/simulator.ts";

describe("idempotency", () => {
  it("same key and identical body replays the original status and bytes, creating nothing", async () => {
    const sim = await simulator();
    const first = await postOrder(sim, orderBody(), { key: "k" });
    const second = await postOrder(sim, orderBody(), { key: "k" });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.text).toBe(first.text);
    expect(sim.state.countOrders()).toBe(1);
    expect(sim.state.ordersByKey().get("k")).toHaveLength(1);
  });

  it("replays a stored 4xx even after a top-up would make the order possible", async () => {
    const sim = await simulator({ balances: { USD: "5.00" } });
    const body = orderBody([item({ faceValue: 10 })]);
    const refused = await postOrder(sim, body, { key: "poor" });
    expect(refused.status).toBe(400);
    expect(refused.json.type).toBe("insufficient_funds");
    sim.state.topUp("USD", "100.00");
    const replay = await postOrder(sim, body, { key: "poor" });
    expect(replay.status).toBe(400);
    expect(replay.text).toBe(refused.text);
    expect(sim.state.countOrders()).toBe(0);
    // A new key (the next attempt generation) is what places the order.
    expect((await postOrder(sim, body, { key: "poor#2" })).status).toBe(202);
  });

  it("same key with a different body is idempotency_validation_error, and the first stays stored", async () => {
    const sim = await simulator();
    const first = await postOrder(sim, orderBody([item({ faceValue: 10 })]), { key: "k" });
    const other = await postOrder(sim, orderBody([item({ faceValue: 11 })]), { key: "k" });
    expect(other.status).toBe(400);
    expect(other.json.type).toBe("idempotency_validation_error");
    // Bytes count: the same JSON with other whitespace is a different body.
    expect((await postOrder(sim, ` ${orderBody([item({ faceValue: 10 })])}`, { key: "k" })).json.type).toBe(
      "idempotency_validation_error",
    );
    expect((await postOrder(sim, orderBody([item({ faceValue: 10 })]), { key: "k" })).text).toBe(first.text);
    expect(sim.state.countOrders()).toBe(1);
  });

  it("a key whose first request is still in flight answers idempotency_in_progress", async () => {
    const sim = await simulator({ faults: { latencyMs: 150 } });
    const pending = postOrder(sim, orderBody(), { key: "slow" });
    // The key is reserved in the same tick the request is recorded, before the latency.
    await vi.waitFor(() => expect(sim.state.requests).toHaveLength(1));
    const second = await postOrder(sim, orderBody(), { key: "slow" });
    const first = await pending;
    expect(first.status).toBe(202);
    expect(second.status).toBe(400);
    expect(second.json.type).toBe("idempotency_in_progress");
    expect(sim.state.countOrders()).toBe(1);
    // Once the first answered, the key replays.
    expect((await postOrder(sim, orderBody(), { key: "slow" })).text).toBe(first.text);
  });

  it("forgets a key after 30 days by the injected clock, then creates a new order", async () => {
    const clock = new ManualClock();
    const sim = await simulator({ clock });
    const first = await postOrder(sim, orderBody(), { key: "old" });
    clock.advance(IDEMPOTENCY_TTL_MS - 1);
    expect((await postOrder(sim, orderBody(), { key: "old" })).text).toBe(first.text);
    clock.advance(1);
    const again = await postOrder(sim, orderBody(), { key: "old" });
    expect(again.status).toBe(202);
    expect(again.json.id).not.toBe(first.json.id);
    expect(
      sim.state
        .ordersByKey()
        .get("old")
        ?.map((order) => order.id),
    ).toEqual([first.json.id, again.json.id]);
  });

  it("records the exact raw body of each order", async () => {
    const sim = await simulator();
    const body = orderBody([item({ faceValue: 12.5 })], "USD", { description: "raw" });
    await postOrder(sim, body, { key: "raw" });
    const [order] = sim.state.orders;
    expect(order?.rawBody).toBe(body);
    expect(order?.idempotencyKey).toBe("raw");
    expect(order?.body).toEqual(JSON.parse(body));
  });
});
