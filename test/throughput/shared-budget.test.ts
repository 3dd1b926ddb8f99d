// --redis-url: every process using one API key draws from one order budget, kept in a real Redis.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openOrderBudget, orderBudgetId, orderSpacingMs } from "../../src/batch/limiters.ts";
import { runCli, workDir } from "../helpers/cli.ts";
import { redisMissing, startRedis, type RunningRedis } from "../helpers/redis.ts";
import { simulator } from "../helpers/simulator.ts";
import { plainRow, rows, writeRewards } from "./rewards-file.ts";

describe("orderBudgetId", () => {
  it("names the budget by base URL and a hash of the key, never the key itself", () => {
    const id = orderBudgetId("https://api.runa.io/v2/", "live-secret-key-123");
    expect(id).toMatch(/^runa-batch:orders:https:\/\/api\.runa\.io\/v2:[0-9a-f]{64}$/);
    expect(id).not.toContain("live-secret-key-123");
    expect(orderBudgetId("https://api.runa.io/v2", "live-secret-key-123")).toBe(id);
    expect(orderBudgetId("https://api.runa.io/v2", "another-key")).not.toBe(id);
    expect(orderBudgetId("https://playground.runa.io/v2", "live-secret-key-123")).not.toBe(id);
  });
});

describe.skipIf(redisMissing())("shared order budget through Redis", () => {
  let redis: RunningRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("two processes at --rate 600 each share 600/minute: no 429 from a strict window, >= 95 % of the budget", async () => {
    const sim = await simulator({ ordersPerMinute: 600 });
    const cwd = workDir();
    const perProcess = 90; // 180 orders at ~590/minute: ~18 s
    const files = ["first", "second"].map((name, index) =>
      writeRewards(
        cwd,
        name,
        rows(perProcess, (row) => plainRow(row + index * perProcess)),
      ),
    );
    const args = (file: string) => [
      "run",
      file,
      "--base-url",
      sim.url,
      "--rate",
      "600",
      "--redis-url",
      redis.url,
      "--poll-timeout",
      "30",
    ];
    const [first, second] = await Promise.all(files.map((file) => runCli(args(file), { cwd, timeoutMs: 45_000 })));
    expect(first!.code, first!.stderr.slice(-2000)).toBe(0);
    expect(second!.code, second!.stderr.slice(-2000)).toBe(0);

    expect(sim.state.countRateLimited()).toBe(0);
    const posts = sim.state.requests.filter((request) => request.method === "POST" && request.path === "/order");
    expect(posts).toHaveLength(2 * perProcess);
    const times = posts.map((request) => request.receivedAt).sort((a, b) => a - b);
    const perMinute = ((times.length - 1) / (times.at(-1)! - times[0]!)) * 60_000;
    console.log(
      `two processes, one budget: ${perMinute.toFixed(1)} orders/minute over ${((times.at(-1)! - times[0]!) / 1000).toFixed(1)} s, 0 x 429`,
    );
    expect(perMinute).toBeGreaterThanOrEqual(0.95 * 600);
    expect(perMinute).toBeLessThanOrEqual(600);
    // they really ran at the same time: each posted while the other was posting
    const spans = ["first", "second"].map((name) => {
      const own = posts
        .filter(
          (request) =>
            JSON.parse(request.rawBody).items[0].distribution_method.email_address.match(/person\.(\d+)@/)[1] <
              perProcess ===
            (name === "first"),
        )
        .map((request) => request.receivedAt);
      return { from: Math.min(...own), to: Math.max(...own) };
    });
    expect(spans[0]!.from).toBeLessThan(spans[1]!.to);
    expect(spans[1]!.from).toBeLessThan(spans[0]!.to);
  }, 50_000);

  it("a 429 seen by one process pauses every process sharing the budget: nobody sends until the pause ends", async () => {
    // Every 15th POST is answered 429 whatever the pace; the first 429 pauses 5 s x 0.2 = 1 s.
    const sim = await simulator({ ordersPerMinute: 100_000, faults: { rateLimitBurst: { every: 15, length: 1 } } });
    const cwd = workDir();
    const perProcess = 25;
    const files = ["north", "south"].map((name, index) =>
      writeRewards(
        cwd,
        name,
        rows(perProcess, (row) => plainRow(row + index * perProcess)),
      ),
    );
    const args = (file: string) => [
      "run",
      file,
      "--base-url",
      sim.url,
      "--rate",
      "600",
      "--redis-url",
      redis.url,
      "--poll-timeout",
      "60",
    ];
    const env = { RUNA_BATCH_TIME_SCALE: "0.2" };
    const [north, south] = await Promise.all(files.map((file) => runCli(args(file), { cwd, env, timeoutMs: 90_000 })));
    expect(north!.code, north!.stderr.slice(-2000)).toBe(0);
    expect(south!.code, south!.stderr.slice(-2000)).toBe(0);
    expect(sim.state.countOrders()).toBe(2 * perProcess);
    expect([...sim.state.ordersByKey().values()].every((orders) => orders.length === 1)).toBe(true);

    const posts = sim.state.requests.filter((request) => request.method === "POST" && request.path === "/order");
    const first429 = posts.find((request) => request.responseStatus === 429)!;
    expect(first429).toBeDefined();
    // POSTs already on their way when the 429 came back may still land (a generous allowance for a
    // loaded machine); after that, none until the 1 s pause is over. Unshared, the other process
    // would have gone on at 10 a second.
    const pauseMs = 5_000 * 0.2;
    const inFlightAllowanceMs = 300;
    const duringPause = posts.filter(
      (request) =>
        request.receivedAt > first429.receivedAt + inFlightAllowanceMs &&
        request.receivedAt < first429.receivedAt + pauseMs - 50,
    );
    expect(duringPause.map((request) => request.receivedAt - first429.receivedAt)).toEqual([]);
    const resumed = posts.find((request) => request.receivedAt > first429.receivedAt + inFlightAllowanceMs);
    expect(resumed, "sending resumed after the pause").toBeDefined();
  }, 100_000);

  it("refuses to start, sending nothing, when Redis cannot be reached", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = writeRewards(cwd, "unreachable", rows(3, plainRow));
    const result = await runCli(["run", file, "--base-url", sim.url, "--rate", "600"], {
      cwd,
      env: { RUNA_REDIS_URL: "redis://127.0.0.1:1" },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    expect(sim.state.countOrderPosts()).toBe(0);
  });

  it("keeps the stricter rate when processes disagree, and recovers when Redis forgets the limiter (Redis 7 replies)", async () => {
    const baseUrl = `http://127.0.0.1:${Date.now()}`;
    const fast = await openOrderBudget({ ordersPerMinute: 600, redisUrl: redis.url, baseUrl, apiKey: "k" });
    const slow = await openOrderBudget({ ordersPerMinute: 60, redisUrl: redis.url, baseUrl, apiKey: "k" });
    const inspect = new Redis(redis.url);
    try {
      expect(fast.sharedId).toBe(slow.sharedId);
      expect(Number(await inspect.hget(`b_${fast.sharedId}_settings`, "minTime"))).toBe(orderSpacingMs(60));
      const again = await openOrderBudget({ ordersPerMinute: 600, redisUrl: redis.url, baseUrl, apiKey: "k" });
      expect(Number(await inspect.hget(`b_${fast.sharedId}_settings`, "minTime"))).toBe(orderSpacingMs(60));
      await again.close();

      // Redis restarted empty, or this client was declared dead: Bottleneck must re-init / re-register.
      await inspect.del(...(await inspect.keys(`b_${fast.sharedId}_*`)));
      await expect(fast.limiter.schedule(async () => "ran after the settings vanished")).resolves.toBe(
        "ran after the settings vanished",
      );
      await inspect.del(
        ...["last_seen", "running", "num_queued", "last_registered"].map((name) => `b_${fast.sharedId}_client_${name}`),
      );
      await expect(fast.limiter.schedule(async () => "ran after being forgotten")).resolves.toBe(
        "ran after being forgotten",
      );
    } finally {
      inspect.disconnect();
      await fast.close();
      await slow.close();
    }
  });
});
