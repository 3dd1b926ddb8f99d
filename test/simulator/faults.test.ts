// Fault injection: what each fault does to the order and to a retry with the same key.
import { describe, expect, it } from "vitest";
import { SLOW_COMPLETION_FACTOR, type RunningSimulator } from "../../src/simulator/index.ts";
import { ManualClock, call, orderBody, postOrder, simulator } from "../helpers/simulator.ts";

/** A random source that yields the given draws, then 0.99 (no fault) for ever. */
function scripted(...draws: number[]): () => number {
  return () => draws.shift() ?? 0.99;
}

/** The one committed order is there, and a same-key retry answers 202 with its id, creating nothing. */
async function expectRetryFindsTheOrder(sim: RunningSimulator): Promise<void> {
  expect(sim.state.countOrders()).toBe(1);
  const retry = await postOrder(sim, orderBody(), { key: "k" });
  expect(retry.status).toBe(202);
  expect(retry.json.id).toBe(sim.state.orders[0]?.id);
  expect(sim.state.countOrders()).toBe(1);
}

/** The first POST is refused with nothing committed or stored, so a same-key retry creates the order. */
async function expectRefusedThenRetryCreates(sim: RunningSimulator, status: number, type: string): Promise<void> {
  const refused = await postOrder(sim, orderBody(), { key: "k" });
  expect([refused.status, refused.json.type]).toEqual([status, type]);
  expect(sim.state.countOrders()).toBe(0);
  expect((await postOrder(sim, orderBody(), { key: "k" })).status).toBe(202);
  expect(sim.state.countOrders()).toBe(1);
}

describe("faults", () => {
  it("serverErrorRate: 500 before anything is committed; a retry with the same key creates the order", async () => {
    const sim = await simulator({ faults: { serverErrorRate: 0.5 }, random: scripted(0.1) });
    await expectRefusedThenRetryCreates(sim, 500, "internal_server_error");
  });

  it("storeServerErrors: the 500 is stored for the key and replayed to every retry, as Runa replays 5xx for 30 days; other keys are untouched", async () => {
    const sim = await simulator({ faults: { serverErrorRate: 0.5, storeServerErrors: true }, random: scripted(0.1) });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const answer = await postOrder(sim, orderBody(), { key: "k" });
      expect([answer.status, answer.json.type]).toEqual([500, "internal_server_error"]);
    }
    expect(sim.state.countOrders()).toBe(0);
    expect((await postOrder(sim, orderBody(), { key: "other" })).status).toBe(202);
    expect(sim.state.countOrders()).toBe(1);
  });

  it("timeoutRate: 504 after the commit; a retry with the same key replays the 202 with the same id", async () => {
    const sim = await simulator({ faults: { timeoutRate: 0.5 }, random: scripted(0.1) });
    const timedOut = await postOrder(sim, orderBody(), { key: "k" });
    expect(timedOut.status).toBe(504);
    expect(timedOut.json.type).toBe("timeout");
    await expectRetryFindsTheOrder(sim);
  });

  it("dropAfterCommitRate: no answer at all, yet the order exists and a retry returns its id", async () => {
    const sim = await simulator({ faults: { dropAfterCommitRate: 0.5 }, random: scripted(0.1) });
    await expect(postOrder(sim, orderBody(), { key: "k" })).rejects.toThrow();
    expect(sim.state.countOrders()).toBe(1);
    expect(sim.state.requests[0]?.responseStatus).toBe("dropped");
    await expectRetryFindsTheOrder(sim);
  });

  it("idempotencyInProgressRate: 400 idempotency_in_progress, nothing committed or stored", async () => {
    const sim = await simulator({ faults: { idempotencyInProgressRate: 0.5 }, random: scripted(0.1) });
    await expectRefusedThenRetryCreates(sim, 400, "idempotency_in_progress");
  });

  it("slowCompletionRate: the order stays PROCESSING ten times as long", async () => {
    const clock = new ManualClock();
    const sim = await simulator({
      clock,
      completionDelayMs: 100,
      faults: { slowCompletionRate: 0.5 },
      random: scripted(0.1),
    });
    const slow = await postOrder(sim, orderBody(), { key: "slow" });
    const quick = await postOrder(sim, orderBody(), { key: "quick" });
    clock.advance(100);
    expect((await call(sim, `/order/${quick.json.id}`)).json.status).toBe("COMPLETED");
    expect((await call(sim, `/order/${slow.json.id}`)).json.status).toBe("PROCESSING");
    clock.advance(100 * (SLOW_COMPLETION_FACTOR - 1) - 1);
    expect((await call(sim, `/order/${slow.json.id}`)).json.status).toBe("PROCESSING");
    clock.advance(1);
    expect((await call(sim, `/order/${slow.json.id}`)).json.status).toBe("COMPLETED");
  });

  it("latencyMs delays every answer", async () => {
    const sim = await simulator({ faults: { latencyMs: 60 } });
    const started = Date.now();
    await call(sim, "/balance");
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it("the same seed gives the same faults and ids", async () => {
    const run = async () => {
      const sim = await simulator({ seed: 7, clock: new ManualClock(), faults: { serverErrorRate: 0.5 } });
      const answers = [];
      for (let i = 0; i < 12; i++) answers.push((await postOrder(sim, orderBody(), { key: `k${i}` })).text);
      return answers;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first.map((text) => JSON.parse(text).type ?? "created"))).toEqual(
      new Set(["internal_server_error", "created"]),
    );
  });
});
