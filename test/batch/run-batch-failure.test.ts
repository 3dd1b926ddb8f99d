// An unexpected fault mid-run (the shared limiter's Redis gone, say) fails the run, but only after
// the work under way has settled and the results were written from the journal.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Bottleneck from "bottleneck";
import { describe, expect, it } from "vitest";
import { runBatch } from "../../src/batch/run-batch.ts";
import { Catalog } from "../../src/catalog/catalog.ts";
import { readJournal } from "../../src/journal/batch-journal.ts";
import { RunaClient } from "../../src/runa/client.ts";
import { loadCatalogFixture } from "../../src/simulator/index.ts";
import { readResults } from "../helpers/results.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";

/** A limiter whose datastore dies after `healthy` jobs. */
class DyingLimiter extends Bottleneck {
  #jobs = 0;
  constructor(private readonly healthy: number) {
    super({ minTime: 5 });
  }
  override schedule<R>(...args: unknown[]): Promise<R> {
    this.#jobs += 1;
    if (this.#jobs > this.healthy) return Promise.reject(new Error("Connection is closed."));
    return (super.schedule as (...a: unknown[]) => Promise<R>)(...args);
  }
}

describe("runBatch on an unexpected fault", () => {
  it("settles what is under way, writes the results, then fails", async () => {
    const sim = await simulator();
    const dir = mkdtempSync(join(tmpdir(), "run-failure-"));
    const file = writeRewards(dir, 10);
    const resultsFile = join(dir, "out", "rewards.results.csv");
    const run = runBatch(
      {
        file,
        batchId: "dying",
        resultsFile,
        stateDirectory: join(dir, "state"),
        input: { catalog: Catalog.fromProducts(loadCatalogFixture().catalog), allowDuplicates: false },
        ordersPerMinute: 6000,
        itemsPerOrder: 1,
        pollTimeoutMs: 10_000,
        acceptChanges: false,
        forceAfterExpiry: false,
        continueBatch: false,
        allowRepeatPayments: false,
        repeatWindowMs: 0,
      },
      { client: new RunaClient({ baseUrl: sim.url, apiKey: "k" }), orderLimiter: new DyingLimiter(3), timeScale: 0.01 },
    );
    await expect(run).rejects.toThrow("Connection is closed.");
    expect(sim.state.countOrders()).toBe(3);
    const results = readResults(resultsFile);
    expect(results.filter((row) => row.status === "COMPLETED")).toHaveLength(3);
    expect(results.filter((row) => row.status !== "COMPLETED").map((row) => row.status)).not.toContain("COMPLETED");
    expect(existsSync(join(dir, "state", "dying.lock"))).toBe(false);
    expect(
      [...readJournal(join(dir, "state", "dying.journal.jsonl")).orders.values()].filter(
        (order) => order.phase === "settled",
      ),
    ).toHaveLength(3);
  });
});
