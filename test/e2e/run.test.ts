// The product's main job, end to end: the real CLI as a child process against the simulator.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { fixture, runCli, workDir } from "../helpers/cli.ts";
import { expectCompletedByItsOrder, readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";
import { validateRequest, validateResponse } from "../helpers/openapi.ts";

const SAMPLE = fixture("sample-rewards.csv");
const FAST = ["--rate", "3000", "--poll-timeout", "30"];

describe("runa-batch run", () => {
  it("orders every sample row once and writes a results CSV cell by cell", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const result = await runCli(["run", SAMPLE, "--base-url", sim.url, ...FAST], { cwd });
    expect(result.stderr).not.toMatch(/\n\s+at /); // never a stack trace
    expect(result.code).toBe(0);

    const resultsPath = join(cwd, "output", "sample-rewards.results.csv");
    expect(statSync(resultsPath).mode & 0o777).toBe(0o600);
    const input = parse<Record<string, string>>(readFileSync(SAMPLE), { columns: true });
    const results = readResults(resultsPath);
    expect(results).toHaveLength(input.length);
    expect(sim.state.countOrders()).toBe(input.length);

    const ordersByKey = sim.state.ordersByKey();
    results.forEach((row, index) => {
      expectCompletedByItsOrder(row, input[index]!, index, ordersByKey);
      expect(row.redemption_url).toMatch(new RegExp(`^${sim.url}/redeem/`));
    });
    // the EMAIL row with a mixed-case address was sent lower-cased
    const henry = results.find((row) => row.employee_id === "E-1005")!;
    expect(JSON.parse(ordersByKey.get(henry.idempotency_key!)![0]!.rawBody).items[0].distribution_method).toEqual({
      type: "EMAIL",
      email_address: "henry.okafor@example.com",
    });
  });

  it("sends the headers Runa requires and bodies that match the official spec", async () => {
    const sim = await simulator();
    const result = await runCli(["run", SAMPLE, "--base-url", sim.url, ...FAST]);
    expect(result.code).toBe(0);
    const posts = sim.state.requests.filter((request) => request.method === "POST");
    expect(posts.length).toBeGreaterThanOrEqual(15);
    for (const request of sim.state.requests) {
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      expect(headers["x-api-key"]).toBe("test-key-4f9a2c");
      expect(headers["x-api-version"]).toBe("2024-02-05");
      const query = new URLSearchParams(
        Object.entries(request.query).flatMap(([name, values]) =>
          values.map((value): [string, string] => [name, value]),
        ),
      );
      const path = query.size > 0 ? `${request.path}?${query.toString()}` : request.path;
      const body = request.rawBody ? JSON.parse(request.rawBody) : undefined;
      expect(validateRequest({ method: request.method, path, headers, body }), `${request.method} ${path}`).toEqual([]);
    }
    for (const request of posts) {
      expect(request.headers["x-execution-mode"]).toBe("async");
      expect(request.headers["x-idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(request.rawBody).not.toMatch(/20\d\d-\d\d-\d\dT/); // no timestamps: the body must be the same on every run
    }
    // and the simulator's answers to those requests match the spec too
    const order = sim.state.orders[0]!;
    const answer = await fetch(`${sim.url}/order/${order.id}`, {
      headers: { "x-api-key": "k", "x-api-version": "2024-02-05" },
    });
    expect(validateResponse("GET", `/order/${order.id}`, answer.status, await answer.json())).toEqual([]);
  });

  it("gives a row the same key on every run, whatever the amount's form, email case, column order or extra columns", async () => {
    const sim = await simulator();
    const keyOf = async (csv: string, batchId = "same-batch") => {
      const cwd = workDir();
      writeFileSync(join(cwd, "in.csv"), csv);
      const result = await runCli(["run", "in.csv", "--base-url", sim.url, "--batch-id", batchId, ...FAST], { cwd });
      expect(result.code, result.stderr).toBe(0);
      return readResults(join(cwd, "output", "in.results.csv"))[0]!.idempotency_key;
    };
    const base = await keyOf("amount,currency,product_code,email\n10,USD,AMZ-US,pat@example.com\n");
    expect(await keyOf("amount,currency,product_code,email\n10.00,USD,AMZ-US,pat@example.com\n")).toBe(base);
    expect(await keyOf("amount,currency,product_code,email\n10,USD,AMZ-US,PAT@Example.COM\n")).toBe(base);
    expect(await keyOf("email,product_code,note,currency,amount\npat@example.com,AMZ-US,hello,USD,10\n")).toBe(base);
    expect(await keyOf("amount,currency,product_code,email\n10,USD,AMZ-US,pat@example.com\n", "other-batch")).not.toBe(
      base,
    );
    expect(await keyOf("amount,currency,product_code,email\n11,USD,AMZ-US,pat@example.com\n")).not.toBe(base);
    // every run of the same batch replayed one order: Runa's idempotency did the rest
    expect(sim.state.ordersByKey().get(base!)).toHaveLength(1);
  });

  it("exits 1 with one clear line when the API key is missing, and 1 for a plain-http remote base URL", async () => {
    const noKey = await runCli(["run", SAMPLE], { env: { RUNA_API_KEY: "" } });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/RUNA_API_KEY/);
    const insecure = await runCli(["run", SAMPLE, "--base-url", "http://api.example.com/v2"]);
    expect(insecure.code).toBe(1);
    expect(insecure.stderr).toMatch(/https/);
  });
});
