// The playground is not production: Runa accepts playground orders whatever the balance, and
// sends emails only when asked (X-Send-Email: true), which production always does.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];
const THREE_ROWS =
  "amount,currency,product_code,email\n10,USD,TGT-US,a@example.com\n10,USD,TGT-US,b@example.com\n10,USD,TGT-US,c@example.com\n";

describe("playground balance", () => {
  it("never refuses a playground run for the balance: it says so and orders every row", async () => {
    const sim = await simulator({ playground: true, balances: { USD: "5.00" } });
    const cwd = workDir();
    writeFileSync(join(cwd, "play.csv"), THREE_ROWS);
    const result = await runCli(["run", "play.csv", "--base-url", sim.url, ...FAST], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /playground: the balance is short \(USD needs 28\.50, has 5\.00 \(short 23\.50\)\); playground orders are accepted whatever the balance/,
    );
    expect(readResults(join(cwd, "output", "play.results.csv")).map((row) => row.status)).toEqual([
      "COMPLETED",
      "COMPLETED",
      "COMPLETED",
    ]);
    expect(sim.state.countOrders()).toBe(3);

    const validated = await runCli(["validate", "play.csv", "--base-url", sim.url], { cwd });
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toMatch(
      /Note: the USD balance is .* short .*; the playground accepts orders whatever the balance, production would not\./,
    );
    expect(validated.stdout).not.toMatch(/WARNING/);
  });

  it("still refuses a production run whose balance is short, before any POST", async () => {
    const sim = await simulator({ balances: { USD: "5.00" } });
    const cwd = workDir();
    writeFileSync(join(cwd, "prod.csv"), THREE_ROWS);
    const result = await runCli(
      ["run", "prod.csv", "--base-url", sim.url, "--env", "production", "--batch-id", "prod-2026-11", "--yes", ...FAST],
      { cwd },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the account balance is short: USD needs 28\.50, has 5\.00/);
    expect(sim.state.countOrderPosts()).toBe(0);
  });
});

describe("--send-emails", () => {
  it("sets X-Send-Email: true on every playground order, and nothing without it", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(join(cwd, "mail.csv"), THREE_ROWS);
    const sent = await runCli(["run", "mail.csv", "--base-url", sim.url, "--send-emails", ...FAST], { cwd });
    expect(sent.code, sent.stderr).toBe(0);
    expect(sim.state.orders.map((order) => order.sendEmail)).toEqual([true, true, true]);
    const posts = sim.state.requests.filter((request) => request.method === "POST" && request.path === "/order");
    expect(posts.map((request) => request.headers["x-send-email"])).toEqual(["true", "true", "true"]);

    const quiet = await runCli(
      ["run", "mail.csv", "--base-url", sim.url, "--batch-id", "quiet", "--allow-repeat-payments", ...FAST],
      { cwd },
    );
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(sim.state.orders.slice(3).map((order) => order.sendEmail)).toEqual([false, false, false]);
  });

  it("is refused in production, before any request", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(join(cwd, "mail.csv"), THREE_ROWS);
    const result = await runCli(
      [
        "run",
        "mail.csv",
        "--base-url",
        sim.url,
        "--env",
        "production",
        "--batch-id",
        "mail-2026-11",
        "--yes",
        "--send-emails",
        ...FAST,
      ],
      { cwd },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /--send-emails is for the playground only: in production Runa always emails EMAIL rows/,
    );
    expect(sim.state.requests).toEqual([]);
  });
});
