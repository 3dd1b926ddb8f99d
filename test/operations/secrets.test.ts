// No output of a run may leak what it must not: the API key appears nowhere (logs, summary, journal,
// stdout, stderr); payout links and full email addresses appear only in the results CSV.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { journalFile, runCli, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";
import { maskEmail, maskUrl, scrubText } from "../../src/log.ts";
import { writeRewards } from "./helpers.ts";

const API_KEY = "rk_live_DISTINCTIVE-7c1f0e9a-secret";

describe("secrets stay out of logs and summaries", () => {
  it("keeps the API key, payout links and emails out of every output but the results CSV", async () => {
    // Faults make the run log retries and rejections too: 500s, 429 bursts, and a USD balance that
    // runs out part-way (those rows are REJECTED insufficient_funds).
    const sim = await simulator({
      apiKey: API_KEY,
      completionDelayMs: 20,
      ordersPerMinute: 10_000,
      balances: { USD: "200.00" },
      faults: { serverErrorRate: 0.15, rateLimitBurst: { every: 9, length: 1 } },
    });
    const cwd = workDir();
    const file = writeRewards(cwd, "leaks", 16);
    const result = await runCli(
      ["run", file, "--base-url", sim.url, "--rate", "3000", "--ignore-balance", "--progress-interval", "0.2"],
      {
        cwd,
        env: { RUNA_API_KEY: API_KEY },
      },
    );
    expect(result.code).toBe(4); // the balance ran out: some rows REJECTED, the run stopped sending
    const results = readResults(join(cwd, "output", "leaks.results.csv"));
    const links = results.map((row) => row.redemption_url).filter((url): url is string => Boolean(url));
    const emails = results.map((row) => row.email).filter((email): email is string => Boolean(email));
    expect(links.length).toBeGreaterThan(0); // the grep below means something
    expect(emails.length).toBeGreaterThan(0);
    expect(results.some((row) => row.error_type === "insufficient_funds")).toBe(true);

    const outputs: Record<string, string> = { stdout: result.stdout, stderr: result.stderr };
    const stateFolder = dirname(journalFile(cwd, "leaks"));
    for (const folder of [join(cwd, "output"), stateFolder]) {
      for (const name of readdirSync(folder)) {
        const path = join(folder, name);
        if (statSync(path).isFile()) outputs[name] = readFileSync(path, "utf8");
      }
    }
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        "leaks.log.jsonl",
        "leaks.summary.json",
        "leaks.journal.jsonl",
        "leaks.results.csv",
        "ledger.jsonl",
      ]),
    );
    expect(statSync(join(cwd, "output", "leaks.log.jsonl")).mode & 0o777).toBe(0o600);

    for (const [name, text] of Object.entries(outputs)) {
      expect(text, name).not.toContain(API_KEY);
      if (name.endsWith(".results.csv") || name.endsWith(".journal.jsonl")) continue; // their job is to hold links
      expect(text, name).not.toContain("/redeem/");
      for (const link of links) expect(text, name).not.toContain(link);
      for (const email of emails) expect(text, name).not.toContain(email);
    }
    const log = outputs["leaks.log.jsonl"]!.trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(log.every((record) => record.batchId === "leaks")).toBe(true);
    expect(log.some((record) => record.msg === "order attempt will be retried")).toBe(true);
    expect(log.filter((record) => record.msg === "order rejected").every((record) => Array.isArray(record.rows))).toBe(
      true,
    );
  });
});

describe("scrubText", () => {
  it.each([
    ["key inside a message", "401 for key rk_abcdef", ["rk_abcdef"], "401 for key [redacted]"],
    ["payout link", "link https://spend.runa.io/r/AbC123?x=1 ok", [], "link https://spend.runa.io/[redacted] ok"],
    ["API base is kept", "base https://api.runa.io/v2 up", [], "base https://api.runa.io/v2 up"],
    ["email masked", '"to":"alice.nguyen@example.com"', [], '"to":"a***@example.com"'],
    ["masking twice changes nothing", "a***@example.com", [], "a***@example.com"],
  ])("%s", (_, input, secrets, expected) => {
    expect(scrubText(input, secrets)).toBe(expected);
  });

  it("masks every address and link in a line", () => {
    expect(maskEmail("bob@x.co, Carol.D@Example.org")).toBe("b***@x.co, C***@Example.org");
    expect(maskUrl("http://127.0.0.1:8787/redeem/I-1 and http://127.0.0.1:8787")).toBe(
      "http://127.0.0.1:8787/[redacted] and http://127.0.0.1:8787",
    );
  });
});
