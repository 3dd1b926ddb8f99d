// The README promises extra input columns are kept: also those named like a result column.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RESULT_COLUMNS } from "../../src/csv/write-results.ts";
import { runCli, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";

describe("results columns", () => {
  it("keeps the user's own Status and Price columns as input_Status and input_Price, cell by cell", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(
      join(cwd, "bonus.csv"),
      [
        "employee,Status,amount,currency,product_code,email,Price",
        "Ann,manager,25,USD,AMZ-US,ann@example.com,budget A",
        "Ben,=1+1,10,USD,TGT-US,ben@example.com,",
      ].join("\n") + "\n",
    );
    const result = await runCli(["run", "bonus.csv", "--base-url", sim.url, "--rate", "3000"], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(2);
    const rows = readResults(join(cwd, "output", "bonus.results.csv"));
    expect(Object.keys(rows[0]!)).toEqual([
      "employee",
      "input_Status",
      "amount",
      "currency",
      "product_code",
      "email",
      "input_Price",
      ...RESULT_COLUMNS,
    ]);
    expect(rows.map((row) => [row.employee, row.input_Status, row.amount, row.input_Price])).toEqual([
      ["Ann", "manager", "25", "budget A"],
      ["Ben", "'=1+1", "10", ""],
    ]);
    // the fresh result columns are the run's own
    const orders = new Map(sim.state.orders.map((order) => [order.id, order]));
    for (const row of rows) {
      expect(row.status).toBe("COMPLETED");
      expect(row.price).toBe(orders.get(row.order_id!)!.items[0]!.price);
    }
  });
});
