// A key stuck on a 5xx that Runa stored and replays: the run stops re-sending it, says so, and
// --rekey (confirmed) is the only way to send its rows under a new key.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_POST_ATTEMPTS } from "../../src/config.ts";
import type { SimulatorFaults } from "../../src/simulator/index.ts";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];

describe("stuck keys", () => {
  it("ends rows ERROR stuck_key on the second run meeting the replayed 5xx, and re-sends them only with a confirmed --rekey", async () => {
    const faults: SimulatorFaults = { serverErrorRate: 1, storeServerErrors: true };
    const sim = await simulator({ ordersPerMinute: 100_000, faults });
    const cwd = workDir();
    writeFileSync(
      join(cwd, "gifts.csv"),
      "amount,currency,product_code,email\n10,USD,TGT-US,ann@example.com\n25,USD,TGT-US,bob@example.com\n",
    );
    const args = ["run", "gifts.csv", "--base-url", sim.url, ...FAST];
    const results = () => readResults(join(cwd, "output", "gifts.results.csv"));

    // Run 1: every attempt of both keys draws the 500 stored on the first one
    const first = await runCli(args, { cwd });
    expect(first.code, first.stderr).toBe(3);
    expect(results().map((row) => [row.status, row.error_type])).toEqual([
      ["ERROR", "internal_server_error"],
      ["ERROR", "internal_server_error"],
    ]);
    expect(sim.state.countOrderPosts()).toBe(2 * MAX_POST_ATTEMPTS);
    const firstKeys = results().map((row) => row.idempotency_key);

    // Run 2: no new faults, but Runa still replays the stored 500 for these keys. One POST each, then stuck.
    faults.serverErrorRate = 0;
    const second = await runCli(args, { cwd });
    expect(second.code, second.stderr).toBe(3);
    expect(sim.state.countOrderPosts()).toBe(2 * MAX_POST_ATTEMPTS + 2);
    const stuck = results();
    expect(stuck.map((row) => [row.status, row.error_type])).toEqual([
      ["ERROR", "stuck_key"],
      ["ERROR", "stuck_key"],
    ]);
    expect(stuck.map((row) => row.idempotency_key)).toEqual(firstKeys);
    expect(stuck[0]!.error_message).toMatch(/looks stuck on a stored error/);
    expect(stuck[0]!.error_message).toMatch(/check `runa-batch reconcile` or the Runa dashboard/);
    expect(stuck[0]!.error_message).toMatch(/add --rekey 2 to the run command/);
    expect(second.stdout).toMatch(
      /re-send the stuck rows under a new key: runa-batch run gifts\.csv --batch-id gifts .* --rekey 2,3\n/,
    );
    expect(sim.state.countOrders()).toBe(0);

    // --rekey needs a yes: without a terminal, --yes, else nothing is sent
    const unconfirmed = await runCli([...args, "--rekey", "2,3"], { cwd });
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/--rekey may pay rows a second time .* add --yes/);
    expect(sim.state.countOrderPosts()).toBe(2 * MAX_POST_ATTEMPTS + 2);

    // A row that is not stuck cannot be re-keyed
    const wrongRow = await runCli([...args, "--rekey", "2-4", "--yes"], { cwd });
    expect(wrongRow.code).toBe(1);
    expect(wrongRow.stderr).toMatch(/row 4 is not in gifts\.csv/);
    expect(sim.state.countOrderPosts()).toBe(2 * MAX_POST_ATTEMPTS + 2);

    // Confirmed: both rows go out under new keys, once each
    const rekeyed = await runCli([...args, "--rekey", "2,3", "--yes"], { cwd });
    expect(rekeyed.code, rekeyed.stderr).toBe(0);
    const done = results();
    expect(done.map((row) => row.status)).toEqual(["COMPLETED", "COMPLETED"]);
    for (const [index, row] of done.entries()) expect(row.idempotency_key).not.toBe(firstKeys[index]);
    expect(sim.state.countOrders()).toBe(2);
    expect([...sim.state.ordersByKey().values()].every((orders) => orders.length === 1)).toBe(true);
    expect(readFileSync(journalFile(cwd, "gifts"), "utf8")).toMatch(/"type":"rekey"/);

    // and a COMPLETED row is never re-keyed
    const paid = await runCli([...args, "--rekey", "2", "--yes"], { cwd });
    expect(paid.code).toBe(1);
    expect(paid.stderr).toMatch(/row 2 is COMPLETED \(order O-/);
    expect(sim.state.countOrders()).toBe(2);
  });
});
