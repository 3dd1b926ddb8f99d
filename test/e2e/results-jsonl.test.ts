// --results-format jsonl end to end: the real CLI against the simulator writes one JSON object per row,
// with the CSV's fields in the CSV's order, checked row by row against the simulator's orders; the
// summary counts what the writer wrote; a re-run pays nothing twice and gives the same rows.
import { existsSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { RESULT_COLUMNS } from "../../src/csv/write-results.ts";
import { fixture, runCli, SLOW_TEST_MS, workDir } from "../helpers/cli.ts";
import { expectCompletedByItsOrder, readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";

const SAMPLE = fixture("sample-rewards.csv");
const FAST = ["--rate", "3000", "--poll-timeout", "30"];
const JSONL = ["--results-format", "jsonl"];

/** Each line parsed on its own, with its keys in the order the file has them. */
function readJsonl(path: string): { keys: string[]; row: Record<string, string> }[] {
  const text = readFileSync(path, "utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text
    .slice(0, -1)
    .split("\n")
    .map((line) => {
      const row = JSON.parse(line) as Record<string, string>;
      return {
        keys: [...line.matchAll(/(?:^\{|,)("(?:[^"\\]|\\.)*"):/g)].map((m) => JSON.parse(m[1]!) as string),
        row,
      };
    });
}

describe("--results-format jsonl", () => {
  it("writes one object per row, the CSV's fields in order, cell by cell against the simulator's orders", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const result = await runCli(["run", SAMPLE, "--base-url", sim.url, ...FAST, ...JSONL], { cwd });
    expect(result.code, result.stderr).toBe(0);

    const path = join(cwd, "output", "sample-rewards.results.jsonl");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(existsSync(join(cwd, "output", "sample-rewards.results.csv"))).toBe(false);
    expect(result.stdout).toContain("results: output/sample-rewards.results.jsonl");
    expect(result.stdout).toContain("--results-format jsonl"); // the resume command writes the same format

    const input = parse<Record<string, string>>(readFileSync(SAMPLE), { columns: true });
    const header = Object.keys(input[0]!);
    const lines = readJsonl(path);
    expect(lines).toHaveLength(input.length);
    expect(sim.state.countOrders()).toBe(input.length);
    const ordersByKey = sim.state.ordersByKey();
    lines.forEach(({ keys, row }, index) => {
      expect(keys).toEqual([...header, ...RESULT_COLUMNS]);
      expectCompletedByItsOrder(row, input[index]!, index, ordersByKey);
      expect(row.superseded_order_ids).toBe("");
    });
  });

  it(
    "counts refusals in the summary from what it wrote, and a re-run completes the rest without paying a row twice",
    async () => {
      // 6 rows of 10.00 at TGT-US (9.50 each); 30.00 pays three, then insufficient_funds stops the run
      const sim = await simulator({ balances: { USD: "30.00" } });
      const cwd = workDir();
      const rows = Array.from({ length: 6 }, (_, i) => `10,USD,TGT-US,p${i}@example.com,=1+1`);
      writeFileSync(join(cwd, "bonus.csv"), `amount,currency,product_code,email,note\n${rows.join("\n")}\n`);
      const path = join(cwd, "output", "bonus.results.jsonl");

      const first = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST, ...JSONL], { cwd });
      expect(first.code, first.stderr).toBe(4);
      const firstRows = readJsonl(path).map(({ row }) => row);
      expect(firstRows).toHaveLength(6);
      const completed = firstRows.filter((row) => row.status === "COMPLETED");
      const rejected = firstRows.filter((row) => row.status === "REJECTED");
      const waiting = firstRows.filter((row) => row.status === "NOT_SENT");
      expect(completed).toHaveLength(3);
      expect(rejected.length).toBeGreaterThanOrEqual(1);
      expect(rejected.length + waiting.length).toBe(3);
      for (const row of rejected) expect(row.error_type).toBe("insufficient_funds");
      expect(sim.state.countOrders()).toBe(3);
      // a formula stays as typed: JSON is never run as one (the CSV would carry '=1+1)
      for (const row of firstRows) expect(row.note).toBe("=1+1");
      // the summary's problem lines and summary.json come from the writer's counts
      expect(first.stdout).toMatch(/Batch bonus: 3 COMPLETED, \d REJECTED(, \d NOT_SENT)? of 6 row\(s\)/);
      expect(first.stdout).toContain(
        `${rejected.length} REJECTED insufficient_funds (row ${rejected.map((row) => row.row).join(", ")})`,
      );
      const summary = JSON.parse(readFileSync(join(cwd, "output", "bonus.summary.json"), "utf8")) as {
        statuses: Record<string, number>;
        problems: { status: string; errorType: string; count: number; rows: string[]; hint: string }[];
      };
      expect(summary.statuses).toMatchObject({ COMPLETED: 3, REJECTED: rejected.length, NOT_SENT: waiting.length });
      expect(summary.problems[0]).toMatchObject({
        status: "REJECTED",
        errorType: "insufficient_funds",
        count: rejected.length,
        rows: rejected.map((row) => row.row),
      });
      expect(summary.problems[0]!.hint).not.toBe("");

      sim.state.topUp("USD", "100.00");
      const second = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST, ...JSONL], { cwd });
      expect(second.code, second.stderr).toBe(0);
      const secondRows = readJsonl(path).map(({ row }) => row);
      expect(secondRows.map((row) => row.status)).toEqual(Array(6).fill("COMPLETED"));
      expect(sim.state.countOrders()).toBe(6);
      const ordersByKey = sim.state.ordersByKey();
      for (const row of secondRows) {
        const orders = ordersByKey.get(row.idempotency_key!) ?? [];
        expect(orders).toHaveLength(1);
        expect(row.order_id).toBe(orders[0]!.id);
        expect(row.redemption_url).toBe(orders[0]!.items[0]!.payoutUrl);
      }
      // rows paid the first time keep their order and link
      for (const row of completed) expect(secondRows.find((again) => again.email === row.email)).toEqual(row);

      // a third run sends nothing and writes the same bytes
      const before = readFileSync(path, "utf8");
      const posts = sim.state.countOrderPosts();
      const third = await runCli(["run", "bonus.csv", "--base-url", sim.url, ...FAST, ...JSONL], { cwd });
      expect(third.code, third.stderr).toBe(0);
      expect(sim.state.countOrderPosts()).toBe(posts);
      expect(readFileSync(path, "utf8")).toBe(before);
    },
    SLOW_TEST_MS,
  );

  it("gives the same rows as the CSV, and never writes through a link", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const csv = await runCli(["run", SAMPLE, "--base-url", sim.url, ...FAST], { cwd });
    expect(csv.code, csv.stderr).toBe(0);
    // the same batch again, as JSON lines into a named file: nothing sent, the same fields and values
    const posts = sim.state.countOrderPosts();
    const out = join(cwd, "results.jsonl");
    const jsonl = await runCli(["run", SAMPLE, "--base-url", sim.url, ...FAST, ...JSONL, "--out", out], { cwd });
    expect(jsonl.code, jsonl.stderr).toBe(0);
    expect(sim.state.countOrderPosts()).toBe(posts);
    expect(readJsonl(out).map(({ row }) => row)).toEqual(
      readResults(join(cwd, "output", "sample-rewards.results.csv")),
    );

    const target = join(cwd, "elsewhere.txt");
    writeFileSync(target, "untouched\n");
    const link = join(cwd, "linked.jsonl");
    symlinkSync(target, link);
    const refused = await runCli(["run", SAMPLE, "--base-url", sim.url, ...FAST, ...JSONL, "--out", link], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is a symbolic link; runa-batch never writes through links/);
    expect(readFileSync(target, "utf8")).toBe("untouched\n");
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
});

describe("the summary counts what the results writer wrote", () => {
  it("lists a ';' file's INVALID row (reading the CSV back with ',' once failed after the orders were placed)", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(
      join(cwd, "semi.csv"),
      "amount;currency;product_code;email\n25;USD;AMZ-US;a@example.com\n10;USD;NOPE;b@example.com\n",
    );
    const result = await runCli(["run", "semi.csv", "--base-url", sim.url, "--skip-invalid", ...FAST], { cwd });
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toMatch(/^Batch semi: 1 COMPLETED, 1 INVALID of 2 row\(s\)$/m);
    expect(result.stdout).toMatch(/^ {2}1 INVALID invalid_row \(row 3\): /m);
    expect(sim.state.countOrders()).toBe(1);
  });
});
