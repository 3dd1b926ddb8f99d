// Every order names its batch, its rows and the tool in Runa's metadata, within Runa's limits, and
// a body already journaled is re-sent byte for byte, never rebuilt.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageVersion } from "../../src/package-version.ts";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { validateRequest } from "../helpers/openapi.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";
import { journalRecords, writeJournal } from "../helpers/journal.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];

/** Every row number an order's metadata names, ranges expanded. */
function rowsNamed(metadata: Record<string, string>): number[] {
  return Object.entries(metadata)
    .filter(([key]) => /^rows(_\d+)?$/.test(key))
    .flatMap(([, value]) => value.split(","))
    .flatMap((part) => {
      const [from, to = from] = part.split("-").map(Number) as [number, number?];
      return Array.from({ length: to - from + 1 }, (_, index) => from + index);
    });
}

describe("Runa metadata on every order", () => {
  it("names the batch, every row it pays and the tool; 200-item orders stay within the spec's limits", async () => {
    const sim = await simulator();
    const cwd = workDir();
    // 250 USD rows; every fifth a GBP row, so the USD orders carry scattered row numbers
    const lines = ["amount,currency,product_code,email,distribution,reference"];
    for (let i = 0; i < 250; i += 1) {
      lines.push(
        i % 5 === 4
          ? `7.50,GBP,AMZ-UK,,PAYOUT_LINK,GB-${i}-${"x".repeat(80)}`
          : `${10 + (i % 7)},USD,AMZ-US,p${i}@example.com,EMAIL,`,
      );
    }
    writeFileSync(join(cwd, "bonus.csv"), `${lines.join("\n")}\n`);
    const result = await runCli(
      ["run", "bonus.csv", "--batch-id", "bonus-2026-11", "--items-per-order", "200", "--base-url", sim.url, ...FAST],
      { cwd },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(2); // 200 USD rows, then 50 GBP rows

    const results = readResults(join(cwd, "output", "bonus.results.csv"));
    for (const order of sim.state.orders) {
      const request = sim.state.requests.find(
        (candidate) => candidate.method === "POST" && candidate.headers["x-idempotency-key"] === order.idempotencyKey,
      )!;
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      expect(validateRequest({ method: "POST", path: "/order", headers, body: JSON.parse(request.rawBody) })).toEqual(
        [],
      );
      const metadata = order.metadata!;
      expect(metadata.tool).toBe(`runa-batch ${packageVersion()}`);
      expect(metadata.batch_id).toBe("bonus-2026-11");
      // rows without a reference by number (the rows with one are named by reference, below)
      const paid = results
        .filter((row) => row.order_id === order.id && row.reference === "")
        .map((row) => Number(row.row));
      expect(rowsNamed(metadata)).toEqual(paid);
    }
    const usd = sim.state.orders.find((order) => order.currency === "USD")!;
    expect(usd.items).toHaveLength(200);
    expect(usd.metadata!.rows).toMatch(/^2-5,7-10,12-15,/);
    const gbp = sim.state.orders.find((order) => order.currency === "GBP")!;
    expect(gbp.items).toHaveLength(50);
    expect(gbp.metadata!.rows).toBeUndefined();
    // 50 references of ~86 characters do not fit in the pairs left: counted, first and last named
    expect(gbp.metadata!.references).toBe(`50 references, first GB-4-${"x".repeat(80)}, last GB-249-${"x".repeat(80)}`);
  });

  it("re-sends a body journaled by an older version (no metadata) byte for byte, never rebuilt", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(
      join(cwd, "bonus.csv"),
      "amount,currency,product_code,email\n25,USD,AMZ-US,ann@example.com\n10,USD,TGT-US,ben@example.com\n",
    );
    // killed after the first order was planned and its POST journaled, before it was sent
    const crashed = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST], {
      cwd,
      env: { RUNA_BATCH_CRASH_AT: "before-post:1" },
    });
    expect(crashed.signal).toBe("SIGKILL");
    expect(sim.state.countOrderPosts()).toBe(0);

    // as an older runa-batch wrote it: the same order without metadata
    const journalPath = journalFile(cwd, "bonus");
    const records = journalRecords(journalPath);
    const planned = records.find((record) => record.type === "order");
    const legacy = JSON.parse(planned.body);
    expect(legacy.metadata).toMatchObject({ batch_id: "bonus", rows: "2" });
    delete legacy.metadata;
    planned.body = JSON.stringify(legacy);
    writeJournal(journalPath, records);

    const rerun = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(2);
    const sent = sim.state.orders.find((order) => order.idempotencyKey === planned.key)!;
    expect(sent.rawBody).toBe(planned.body);
    expect(sent.metadata).toBeUndefined();
    // the row planned afresh carries metadata
    const other = sim.state.orders.find((order) => order.idempotencyKey !== planned.key)!;
    expect(other.metadata).toMatchObject({ batch_id: "bonus", rows: "3" });
  });
});
