// The strict sliding 60-second window over POST /order (refused requests count) and 429 bursts.
import { describe, expect, it } from "vitest";
import { inBurst } from "../../src/simulator/server.ts";
import { ManualClock, call, postOrder, simulator } from "../helpers/simulator.ts";

describe("sliding window", () => {
  it("the 61st POST inside 60 s is a 429; allowed again once the oldest leave the window", async () => {
    const clock = new ManualClock();
    const sim = await simulator({ clock });
    for (let i = 0; i < 60; i++) {
      expect((await postOrder(sim, undefined, { key: `k${i}` })).status).toBe(202);
      clock.advance(100); // 60 POSTs over 6 s
    }
    const refused = await postOrder(sim, undefined, { key: "k60" });
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ error: "rate exceeded" });
    expect(sim.state.countRateLimited()).toBe(1);

    // POSTs were at t0, t0+100, ... t0+5 900 and the 429 at t0+6 000. At t0+60 100 the first two
    // have left, the 429 still counts: 59 in the window, one slot.
    clock.advance(60_000 - 6_000 + 100);
    expect((await postOrder(sim, undefined, { key: "k60" })).status).toBe(202);
    // One slot freed, one used: the next is refused again.
    expect((await postOrder(sim, undefined, { key: "k61" })).status).toBe(429);
    expect(sim.state.countOrderPosts()).toBe(63);
    expect(sim.state.countRateLimited()).toBe(2);
  });

  it("refused requests count: hammering keeps the window full", async () => {
    const clock = new ManualClock();
    const sim = await simulator({ clock, ordersPerMinute: 2 });
    expect((await postOrder(sim, undefined, { key: "a" })).status).toBe(202);
    expect((await postOrder(sim, undefined, { key: "b" })).status).toBe(202);
    clock.advance(30_000);
    expect((await postOrder(sim, undefined, { key: "c" })).status).toBe(429); // t = 30 s
    clock.advance(30_000);
    // a and b left at t = 60 s; the refused one at 30 s still counts: one slot.
    expect((await postOrder(sim, undefined, { key: "c" })).status).toBe(202);
    expect((await postOrder(sim, undefined, { key: "d" })).status).toBe(429);
  });

  it("only POST /order is limited", async () => {
    const sim = await simulator({ ordersPerMinute: 1 });
    await postOrder(sim);
    for (let i = 0; i < 5; i++) expect((await call(sim, "/balance")).status).toBe(200);
  });
});

describe("rate-limit bursts", () => {
  it.each([
    [{ every: 10, length: 3 }, [8, 9, 10, 18, 19, 20]],
    [{ every: 4, length: 1 }, [4, 8, 12, 16, 20]],
    [{ every: 5, length: 0 }, []],
  ])("%o refuses requests %o of the first 20", (burst, refused) => {
    const numbers = Array.from({ length: 20 }, (_, index) => index + 1);
    expect(numbers.filter((n) => inBurst(burst, n))).toEqual(refused);
  });

  it("answers 429 inside a burst whatever the window says", async () => {
    const sim = await simulator({ faults: { rateLimitBurst: { every: 3, length: 2 } } });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await postOrder(sim, undefined, { key: `b${i}` })).status);
    expect(statuses).toEqual([202, 429, 429, 202, 429, 429]);
    expect(sim.state.countRateLimited()).toBe(4);
  });
});
