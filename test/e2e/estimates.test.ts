// Exact prices: product choices (MULTIPLE) are priced by Runa's POST /order/estimate in `validate`
// and before a production run, with face value as the fallback, said out loud.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, workDir } from "../helpers/cli.ts";
import { faultProxy } from "../helpers/proxy.ts";
import { call, simulator } from "../helpers/simulator.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];
const CHOICES =
  "amount,currency,product_codes,email\n30,USD,AMZ-US|STB-US,a@example.com\n40,USD,AMZ-US|STB-US,b@example.com\n";

/** What Runa (the simulator) says the two choice rows cost. */
async function exactTotal(sim: Awaited<ReturnType<typeof simulator>>): Promise<string> {
  const body = JSON.stringify({
    payment_method: { type: "ACCOUNT_BALANCE", currency: "USD" },
    items: [30, 40].map((face_value) => ({ products: { type: "MULTIPLE", values: ["AMZ-US", "STB-US"] }, face_value })),
  });
  const estimate = await call(sim, "/order/estimate", {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
  return estimate.json.total_price.toFixed(2);
}

const postsTo = (sim: Awaited<ReturnType<typeof simulator>>, path: string) =>
  sim.state.requests.filter((request) => request.method === "POST" && request.path === path).length;

describe("exact prices", () => {
  it("validate prices product choices with Runa's estimate, ordering nothing", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(join(cwd, "choices.csv"), CHOICES);
    const exact = await exactTotal(sim);
    expect(exact).not.toBe("70.00"); // the choice is discounted, so face value would be wrong
    const result = await runCli(["validate", "choices.csv", "--base-url", sim.url], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `USD\\s+2\\s+70\\.00\\s+${(70 - Number(exact)).toFixed(2).replace(".", "\\.")}\\s+${exact.replace(".", "\\.")}`,
      ),
    );
    expect(result.stdout).toMatch(/2 product-choice rows priced exactly by Runa \(POST \/order\/estimate\)/);
    expect(result.stdout).not.toMatch(/counted at face value/);
    expect(postsTo(sim, "/order/estimate")).toBe(2); // ours and the one above
    expect(postsTo(sim, "/order")).toBe(0);
  });

  it("falls back to face value, and says so, when the estimate is unavailable", async () => {
    const sim = await simulator();
    const proxy = await faultProxy(sim.url, {
      route: (method, path) =>
        method === "POST" && path === "/order/estimate"
          ? { status: 503, contentType: "text/html", body: "<h1>503 Service Unavailable</h1>" }
          : undefined,
    });
    const cwd = workDir();
    writeFileSync(join(cwd, "choices.csv"), CHOICES);
    const result = await runCli(["validate", "choices.csv", "--base-url", proxy.url], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/USD\s+2\s+70\.00\s+0\.00\s+70\.00/);
    expect(result.stdout).toMatch(
      /exact prices unavailable \(HTTP 503 without Runa's answer body: <h1>503 Service Unavailable<\/h1>\)/,
    );
    expect(result.stdout).toMatch(
      /2 rows \(templates, products without a listed discount, or choices not estimated\) counted at face value/,
    );
  });

  it("a production run's balance check uses the exact price: a balance that covers it is enough", async () => {
    const sim = await simulator({ balances: { USD: "0.00" } });
    const exact = await exactTotal(sim);
    sim.state.topUp("USD", exact); // short of the 70.00 face value, exactly the price
    const cwd = workDir();
    writeFileSync(join(cwd, "choices.csv"), CHOICES);
    const result = await runCli(
      [
        "run",
        "choices.csv",
        "--base-url",
        sim.url,
        "--env",
        "production",
        "--batch-id",
        "choices-2026-11",
        "--yes",
        ...FAST,
      ],
      { cwd },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(2);
    expect(sim.state.balance("USD")).toBe("0.00");
  });
});
