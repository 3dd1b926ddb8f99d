// Money safety across batches, files and months (issue: explicit batch identity, a ledger across
// batches). Every scenario runs the real CLI against the simulator and counts what the simulator
// actually ordered: a refusal must leave that count unchanged, and a run that goes ahead must pay
// exactly the rows that are genuinely new, each with the link of its own item.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { journalFile, runCli, SLOW_TEST_MS, stateRoot, workDir, type CliResult } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { journalRecords, writeJournal } from "../helpers/journal.ts";
import { simulator } from "../helpers/simulator.ts";
import { startSimulator, type RunningSimulator } from "../../src/simulator/index.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];
const DAY_MS = 24 * 60 * 60_000;

interface Row {
  email: string;
  amount: string;
  ref?: string;
}

const rowsOf = (spec: string): Row[] =>
  spec.split(" ").map((cell) => {
    const [name, amount, ref] = cell.split(":");
    return ref === undefined
      ? { email: `${name}@example.com`, amount: amount! }
      : { email: `${name}@example.com`, amount: amount!, ref };
  });

function writeCsv(path: string, rows: Row[]): void {
  const withRefs = rows.some((row) => row.ref !== undefined);
  const header = withRefs ? "amount,currency,product_code,email,reference" : "amount,currency,product_code,email";
  const lines = rows.map((row) => `${row.amount},USD,AMZ-US,${row.email}${withRefs ? `,${row.ref ?? ""}` : ""}`);
  writeFileSync(path, `${header}\n${lines.join("\n")}\n`);
}

/** What the simulator paid: one entry per item, "email amount". */
function paidItems(sim: RunningSimulator): string[] {
  return sim.state.orders.flatMap((order) =>
    order.items.map(
      (item) =>
        `${(item.distributionMethod as { email_address?: string }).email_address ?? "-"} ${Number(item.faceValue).toFixed(2)}`,
    ),
  );
}

function expectNobodyPaidTwice(sim: RunningSimulator): void {
  const items = paidItems(sim);
  expect(items.length, `paid twice: ${items.join(", ")}`).toBe(new Set(items).size);
}

/** Every row of the results COMPLETED, with the link of the simulator's item that pays that row's email and amount. */
function expectEveryRowPaidByItsOwnItem(sim: RunningSimulator, resultsFile: string): void {
  const links = new Map(
    sim.state.orders.flatMap((order) => order.items.map((item) => [item.payoutUrl, item] as const)),
  );
  for (const row of readResults(resultsFile)) {
    expect(row.status, JSON.stringify(row)).toBe("COMPLETED");
    const item = links.get(row.redemption_url!);
    expect(item, `row ${row.row}: link of no item`).toBeDefined();
    expect((item!.distributionMethod as { email_address?: string }).email_address).toBe(row.email);
    expect(Number(item!.faceValue).toFixed(2)).toBe(Number(row.amount).toFixed(2));
  }
}

const run = (sim: RunningSimulator, cwd: string, file: string, ...extra: string[]): Promise<CliResult> =>
  runCli(["run", file, "--base-url", sim.url, ...FAST, ...extra], { cwd });

/** Moves every time the journals and the ledger recorded back by `days`, as if they were written then. */
function ageState(cwd: string, days: number): void {
  const shift = (iso: string) => new Date(Date.parse(iso) - days * DAY_MS).toISOString();
  for (const environment of readdirSync(stateRoot(cwd))) {
    const folder = join(stateRoot(cwd), environment);
    for (const name of readdirSync(folder).filter((file) => file.endsWith(".jsonl"))) {
      const aged = journalRecords(join(folder, name)).map((record: Record<string, unknown>) => {
        if (typeof record.at === "string") record.at = shift(record.at);
        if (typeof record.input === "object" && record.input) {
          const input = record.input as Record<string, unknown>;
          input.mtime = shift(input.mtime as string);
        }
        return record;
      });
      writeJournal(join(folder, name), aged);
    }
  }
}

// S6: edits and moves inside one batch. Each case runs `before`, then `after` under the same batch,
// and either refuses before any POST or sends exactly the genuinely new rows.
const EDITS: [name: string, before: string, after: string, expected: "refuse" | number][] = [
  ["adding a reference column", "a:10 b:20 c:30 d:40", "a:10:R1 b:20:R2 c:30:R3 d:40:R4", "refuse"],
  ["removing the reference column", "a:10:R1 b:20:R2 c:30:R3 d:40:R4", "a:10 b:20 c:30 d:40", "refuse"],
  ["renaming a reference R1 to R01", "a:10:R1 b:20:R2 c:30:R3 d:40:R4", "a:10:R01 b:20:R2 c:30:R3 d:40:R4", "refuse"],
  ["deleting a row and editing another", "a:10 b:20 c:30 d:40", "b:20 c:35 d:40", "refuse"],
  ["inserting a row above and editing another", "a:10 b:20 c:30 d:40", "e:50 a:10 b:20 c:35 d:40", "refuse"],
  ["reversing the rows and editing one", "a:10 b:20 c:30 d:40", "d:40 c:35 b:20 a:10", "refuse"],
  ["swapping two rows and editing one", "a:10 b:20 c:30 d:40", "b:20 a:10 c:35 d:40", "refuse"],
  ["editing a row in place", "a:10 b:20 c:30 d:40", "a:10 b:20 c:35 d:40", "refuse"],
  [
    "deleting a row and editing another, with references",
    "a:10:R1 b:20:R2 c:30:R3 d:40:R4",
    "b:20:R2 c:35:R3 d:40:R4",
    "refuse",
  ],
  ["reversing the rows", "a:10 b:20 c:30 d:40", "d:40 c:30 b:20 a:10", 0],
  ["reversing the rows, with references", "a:10:R1 b:20:R2 c:30:R3 d:40:R4", "d:40:R4 c:30:R3 b:20:R2 a:10:R1", 0],
  ["adding a forgotten row", "a:10 b:20 c:30 d:40", "a:10 b:20 e:50 c:30 d:40", 1],
  ["deleting a paid row", "a:10 b:20 c:30 d:40", "a:10 c:30 d:40", 0],
];

const GROUPED = new Set([
  "adding a reference column",
  "deleting a row and editing another",
  "reversing the rows and editing one",
  "reversing the rows",
  "adding a forgotten row",
]);

describe.concurrent("S6: rows edited, moved or re-identified inside a batch", () => {
  for (const itemsPerOrder of ["1", "10"]) {
    // Grouped orders: the cases where a regrouping could hide a paid row.
    const cases = itemsPerOrder === "1" ? EDITS : EDITS.filter(([name]) => GROUPED.has(name));
    for (const [name, before, after, expected] of cases) {
      it(`${name} (--items-per-order ${itemsPerOrder})`, { timeout: SLOW_TEST_MS }, async () => {
        // Its own simulator, closed here: the shared helper closes every simulator after each test, which concurrent tests would feel.
        const sim = await startSimulator({ completionDelayMs: 20 });
        try {
          await editScenario(sim, itemsPerOrder, before, after, expected);
        } finally {
          await sim.close();
        }
      });
    }
  }
});

async function editScenario(
  sim: RunningSimulator,
  itemsPerOrder: string,
  before: string,
  after: string,
  expected: "refuse" | number,
): Promise<void> {
  const cwd = workDir();
  const file = join(cwd, "pay.csv");
  writeCsv(file, rowsOf(before));
  const first = await run(sim, cwd, file, "--items-per-order", itemsPerOrder);
  expect(first.code, first.stderr).toBe(0);
  const paidBefore = paidItems(sim).length;
  writeCsv(file, rowsOf(after));
  const second = await run(sim, cwd, file, "--items-per-order", itemsPerOrder);
  if (expected === "refuse") {
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toMatch(/nothing was sent/);
    expect(second.stderr).toMatch(/--accept-changes/);
    expect(paidItems(sim)).toHaveLength(paidBefore);
    if (itemsPerOrder === "1") {
      // status says the same before anyone runs it
      const status = await runCli(["status", file, "--base-url", sim.url], { cwd });
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(/a run now would REFUSE before sending anything/);
    }
  } else {
    expect(second.code, second.stderr).toBe(0);
    expect(paidItems(sim)).toHaveLength(paidBefore + expected);
    expectEveryRowPaidByItsOwnItem(sim, join(cwd, "output", "pay.results.csv"));
  }
  expectNobodyPaidTwice(sim);
}

// Several CLI runs each: a busy machine may need more than the default 60 s.
describe("batch identity across files, folders and months", { timeout: SLOW_TEST_MS }, () => {
  it("S1: a renamed or copied completed file pays nobody again, under the default or a new batch id", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "rewards.csv"), rowsOf("a:10 b:20 c:30"));
    expect((await run(sim, cwd, "rewards.csv")).code).toBe(0);
    const orderIds = readResults(join(cwd, "output", "rewards.results.csv")).map((row) => row.order_id);
    copyFileSync(join(cwd, "rewards.csv"), join(cwd, "rewards-copy.csv"));
    for (const extra of [[], ["--batch-id", "nov"]]) {
      const again = await run(sim, cwd, "rewards-copy.csv", ...extra);
      expect(again.code, again.stderr).toBe(1);
      expect(again.stderr).toMatch(
        /3 row\(s\) pay the same recipients the same amounts and products as batch "rewards" did on \d{4}-\d{2}-\d{2}/,
      );
      for (const id of orderIds) expect(again.stderr).toContain(id);
      expect(again.stderr).toMatch(/--allow-repeat-payments/);
      expect(sim.state.countOrders()).toBe(3);
    }
    const status = await runCli(["status", "rewards-copy.csv", "--base-url", sim.url], { cwd });
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/pay the same recipients .* as batch "rewards"/);
    // validate says so before anyone runs it
    const validated = await runCli(["validate", "rewards-copy.csv", "--base-url", sim.url], { cwd });
    expect(validated.code).toBe(1);
    expect(validated.stdout).toMatch(
      /is valid, but a run of it as batch "rewards-copy" would REFUSE before sending anything/,
    );
    expect(validated.stdout).toMatch(/as batch "rewards" did on/);
    // the explicit override
    const allowed = await run(sim, cwd, "rewards-copy.csv", "--allow-repeat-payments");
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(6);
  });

  it("S2: a results file used as input is never paid again, even with the repeat window off", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "rewards.csv"), rowsOf("a:10 b:20 c:30"));
    expect((await run(sim, cwd, "rewards.csv")).code).toBe(0);
    copyFileSync(join(cwd, "output", "rewards.results.csv"), join(cwd, "fixed.csv"));
    const again = await run(sim, cwd, "fixed.csv", "--repeat-window", "0", "--allow-repeat-payments");
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toMatch(
      /3 row\(s\) carry the order id of an order that paid them in another batch: row 2 \(order O-\w+, batch "rewards"/,
    );
    expect(sim.state.countOrders()).toBe(3);
  });

  it("S3a: the same file name in another folder on the same day is not taken as the same batch", async () => {
    const sim = await simulator();
    const cwd = workDir();
    mkdirSync(join(cwd, "oct"));
    mkdirSync(join(cwd, "nov"));
    writeCsv(join(cwd, "oct", "rewards.csv"), rowsOf("a:10 b:20"));
    expect((await run(sim, cwd, "oct/rewards.csv")).code).toBe(0);
    const october = readFileSync(join(cwd, "output", "rewards.results.csv"), "utf8");
    writeCsv(join(cwd, "nov", "rewards.csv"), rowsOf("a:10 b:20 c:30"));
    const refused = await run(sim, cwd, "nov/rewards.csv");
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(
      /batch "rewards" was last run on \d{4}-\d{2}-\d{2} from .*oct\/rewards\.csv; this run reads another file, .*nov\/rewards\.csv/,
    );
    expect(refused.stderr).toMatch(/--batch-id rewards-\d{4}-\d{2}/);
    expect(refused.stderr).toMatch(/--continue-batch/);
    expect(sim.state.countOrders()).toBe(2);
    expect(readFileSync(join(cwd, "output", "rewards.results.csv"), "utf8")).toBe(october); // October's results untouched
    const status = await runCli(["status", "nov/rewards.csv", "--base-url", sim.url], { cwd });
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/this run reads another file/);
    const validated = await runCli(["validate", "nov/rewards.csv", "--base-url", sim.url], { cwd });
    expect(validated.code).toBe(1);
    expect(validated.stdout).toMatch(/this run reads another file.*\[a run refuses unless --continue-batch\]/);
    // Named as its own period, the rows October paid today are still flagged as repeats...
    const named = await run(
      sim,
      cwd,
      "nov/rewards.csv",
      "--batch-id",
      "rewards-nov",
      "--out",
      "output/nov.results.csv",
    );
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/2 row\(s\) pay the same recipients/);
    // ...and with the override every November row is paid once more, October's results stay
    const paid = await run(
      sim,
      cwd,
      "nov/rewards.csv",
      "--batch-id",
      "rewards-nov",
      "--out",
      "output/nov.results.csv",
      "--allow-repeat-payments",
    );
    expect(paid.code, paid.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(5);
    expectEveryRowPaidByItsOwnItem(sim, join(cwd, "output", "nov.results.csv"));
  });

  it("S3b: the same path rewritten with a new file 31 days later is refused; a new batch id pays it", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "rewards.csv"), rowsOf("a:10 b:20"));
    expect((await run(sim, cwd, "rewards.csv")).code).toBe(0);
    ageState(cwd, 31);
    writeCsv(join(cwd, "rewards.csv"), rowsOf("a:10 b:20 c:30")); // next month: the same people and one more
    const refused = await run(sim, cwd, "rewards.csv");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the file's content has changed since, over 7 days later/);
    expect(sim.state.countOrders()).toBe(2);
    const paid = await run(sim, cwd, "rewards.csv", "--batch-id", "rewards-2026-12");
    expect(paid.code, paid.stderr).toBe(0); // outside the 25-day repeat window: a recurring payment
    expect(sim.state.countOrders()).toBe(5);
  });

  it("S3b: even an identical file written again over 7 days later is refused, since its rows would be skipped as paid", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "rewards.csv"), rowsOf("a:10 b:20"));
    expect((await run(sim, cwd, "rewards.csv")).code).toBe(0);
    ageState(cwd, 31);
    writeCsv(join(cwd, "rewards.csv"), rowsOf("a:10 b:20"));
    const refused = await run(sim, cwd, "rewards.csv");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the file was rewritten since/);
    // the same batch, said so explicitly: nothing new to pay
    const continued = await run(sim, cwd, "rewards.csv", "--continue-batch");
    expect(continued.code, continued.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(2);
  });

  it("S4: fixing an invalid row and adding a forgotten one the same day sends only those, with no flag", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(
      join(cwd, "r.csv"),
      "amount,currency,product_code,email\n10,USD,AMZ-US,a@example.com\n20,USD,AMZ-US,not-an-email\n",
    );
    const first = await run(sim, cwd, "r.csv", "--skip-invalid");
    expect(first.code).toBe(3);
    expect(sim.state.countOrders()).toBe(1);
    writeFileSync(
      join(cwd, "r.csv"),
      "amount,currency,product_code,email\n10,USD,AMZ-US,a@example.com\n20,USD,AMZ-US,b@example.com\n30,USD,AMZ-US,c@example.com\n",
    );
    const fixed = await run(sim, cwd, "r.csv");
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(3);
    expectEveryRowPaidByItsOwnItem(sim, join(cwd, "output", "r.results.csv"));
    expectNobodyPaidTwice(sim);
  });

  it("S5: the same people paid the same amounts every month under distinct batch ids raise no refusal", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "monthly.csv"), rowsOf("a:10 b:20"));
    expect((await run(sim, cwd, "monthly.csv", "--batch-id", "monthly-2026-10")).code).toBe(0);
    ageState(cwd, 30);
    const november = await run(sim, cwd, "monthly.csv", "--batch-id", "monthly-2026-11");
    expect(november.code, november.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(4);
    // a weekly payer narrows the window instead
    const weekly = await run(sim, cwd, "monthly.csv", "--batch-id", "weekly-2026-11-08", "--repeat-window", "6");
    expect(weekly.code).toBe(1); // November's run was minutes ago
    expect(sim.state.countOrders()).toBe(4);
  });

  it("S7: a file rewritten while the run is under way cannot get an edited row past the checks", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const file = join(cwd, "big.csv");
    const rows = Array.from({ length: 60 }, (_, i) => ({ email: `p${i}@example.com`, amount: `${10 + i}` }));
    writeCsv(file, rows);
    const edited = rows.map((row, i) => (i >= 50 ? { ...row, amount: `${Number(row.amount) + 1}` } : row));
    const result = await runCli(["run", file, "--base-url", sim.url, "--rate", "600", "--poll-timeout", "30"], {
      cwd,
      onSpawn: (child) => {
        const watch = setInterval(() => {
          if (sim.state.countOrders() >= 3) {
            clearInterval(watch);
            writeCsv(file, edited); // rewritten in place after the first orders went out
          }
        }, 5);
        child.once("exit", () => clearInterval(watch));
      },
    });
    expect(result.code, result.stderr).toBe(0);
    // the run paid what it read at the start, every row once
    expect(paidItems(sim).sort()).toEqual(rows.map((row) => `${row.email} ${Number(row.amount).toFixed(2)}`).sort());
    // and the edited file is an edit of paid rows: refused
    const again = await run(sim, cwd, file);
    expect(again.code).toBe(1);
    expect(sim.state.countOrders()).toBe(60);
    expectNobodyPaidTwice(sim);
  });

  it("S8: batch ids that clean up alike never share a journal, and no id leaves the state folder", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "oct.csv"), rowsOf("a:10 b:20"));
    expect((await run(sim, cwd, "oct.csv", "--batch-id", "rewards 2026/10")).code).toBe(0);
    writeCsv(join(cwd, "nov.csv"), rowsOf("c:30 d:40"));
    const november = await run(sim, cwd, "nov.csv", "--batch-id", "rewards 2026:10");
    expect(november.code, november.stderr).toBe(0);
    expect(readResults(join(cwd, "output", "nov.results.csv")).map((row) => row.status)).toEqual([
      "COMPLETED",
      "COMPLETED",
    ]);
    expect(sim.state.countOrders()).toBe(4);
    const dotted = await run(sim, cwd, "nov.csv", "--batch-id", "..", "--allow-repeat-payments");
    expect(dotted.code, dotted.stderr).toBe(0);
    const [environment] = readdirSync(stateRoot(cwd));
    const journals = readdirSync(join(stateRoot(cwd), environment!)).filter((name) => name.endsWith(".journal.jsonl"));
    expect(journals).toHaveLength(3);
    expect(readdirSync(stateRoot(cwd))).toEqual([environment]); // nothing written beside the environment folders
    for (const name of journals) {
      const first = JSON.parse(readFileSync(join(stateRoot(cwd), environment!, name), "utf8").split("\n")[0]!) as {
        batchId: string;
      };
      expect(["rewards 2026/10", "rewards 2026:10", ".."]).toContain(first.batchId);
    }
  });

  it("S9: a lost journal with regrouped orders or deleted rows pays nobody twice", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "g.csv"), rowsOf("a:10 b:20 c:30 d:40 e:50 f:60 g:70 h:80"));
    expect((await run(sim, cwd, "g.csv", "--items-per-order", "10")).code).toBe(0);
    unlinkSync(journalFile(cwd, "g"));
    const regrouped = await run(sim, cwd, "g.csv", "--items-per-order", "1");
    expect(regrouped.code).toBe(1);
    expect(regrouped.stderr).toMatch(
      /8 row\(s\) were sent by this batch \("g"\) in orders its journal no longer holds/,
    );
    writeCsv(join(cwd, "g.csv"), rowsOf("b:20 c:30 d:40 e:50 f:60 g:70 h:80"));
    const deleted = await run(sim, cwd, "g.csv", "--items-per-order", "10");
    expect(deleted.code).toBe(1);
    expect(sim.state.countOrders()).toBe(1);
    expectNobodyPaidTwice(sim);
  });

  it("S9: another working directory finds the same batch; a journal from beside the results is moved in", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "w.csv"), rowsOf("a:10 b:20"));
    expect((await run(sim, cwd, "w.csv")).code).toBe(0);
    const elsewhere = workDir();
    const again = await runCli(["run", join(cwd, "w.csv"), "--base-url", sim.url, ...FAST], {
      cwd: elsewhere,
      env: { RUNA_STATE_DIR: stateRoot(cwd) },
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/2 row\(s\) were already COMPLETED/);
    // the layout before the state folder: the journal beside the results
    renameSync(journalFile(cwd, "w"), join(cwd, "output", "w.journal.jsonl"));
    const migrated = await run(sim, cwd, "w.csv");
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/2 row\(s\) were already COMPLETED/);
    expect(existsSync(journalFile(cwd, "w"))).toBe(true);
    expect(existsSync(join(cwd, "output", "w.journal.jsonl.moved-to-state-dir"))).toBe(true);
    expect(sim.state.countOrders()).toBe(2);
  });

  it("refuses the template's example rows in production, where they would really be paid", async () => {
    const sim = await simulator();
    const cwd = workDir();
    const template = await runCli(["template", "--currency", "USD", "--base-url", sim.url], { cwd });
    expect(template.code, template.stderr).toBe(0);
    const refused = await runCli(
      [
        "run",
        "rewards-template.csv",
        "--env",
        "production",
        "--base-url",
        sim.url,
        "--batch-id",
        "t-2026-11",
        "--yes",
        ...FAST,
      ],
      { cwd },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /3 row\(s\) are still the template's example rows \(reference EXAMPLE-n\): row\(s\) 2, 3, 4\. In production they would really be paid/,
    );
    expect(sim.state.countOrderPosts()).toBe(0);
    // in the playground they show what a run does
    const rehearsed = await runCli(
      ["run", "rewards-template.csv", "--base-url", sim.url, "--batch-id", "t-try", ...FAST],
      { cwd },
    );
    expect(rehearsed.code, rehearsed.stderr).toBe(0);
  });

  it("needs an explicit batch id in production, before any request", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "p.csv"), rowsOf("a:10"));
    const refused = await runCli(["run", "p.csv", "--env", "production", "--yes", ...FAST], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/a production run needs an explicit batch id/);
    expect(sim.state.countOrders()).toBe(0);
  });
});

describe("two batches over the same rows at the same time", { timeout: SLOW_TEST_MS }, () => {
  // More rows than a run plans ahead of what it has sent (32 orders), so some are only claimed.
  const rows = Array.from({ length: 60 }, (_, i) => ({ email: `q${i}@example.com`, amount: `${10 + i}` }));

  it("a copy started while the first batch is still sending is refused, and nobody is paid twice", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "rewards.csv"), rows);
    copyFileSync(join(cwd, "rewards.csv"), join(cwd, "copy.csv"));
    let firstRunning = true;
    let copy: CliResult | undefined;
    let copyEndedWhileFirstRan = false;
    // 300 a minute: the 60 orders take about 12 s, and the copy starts after the first 2.
    const first = await runCli(["run", "rewards.csv", "--base-url", sim.url, "--rate", "300", "--poll-timeout", "30"], {
      cwd,
      onSpawn: (child) => {
        const watch = setInterval(() => {
          if (sim.state.countOrders() < 2) return;
          clearInterval(watch);
          void run(sim, cwd, "copy.csv").then((result) => {
            copy = result;
            copyEndedWhileFirstRan = firstRunning;
          });
        }, 5);
        child.once("exit", () => {
          firstRunning = false;
          clearInterval(watch);
        });
      },
    });
    expect(first.code, first.stderr).toBe(0);
    await expect.poll(() => copy, { timeout: 60_000 }).toBeDefined();
    expect(copy!.code, copy!.stderr).toBe(1);
    expect(copy!.stderr).toMatch(/nothing was sent/);
    // Still sending when the copy looked: it names the run that has not ended, not only the orders so far.
    if (copyEndedWhileFirstRan)
      expect(copy!.stderr).toMatch(/a run of batch "rewards" that started at .* has not ended/);
    expect(sim.state.countOrders()).toBe(60);
    expectNobodyPaidTwice(sim);
    expectEveryRowPaidByItsOwnItem(sim, join(cwd, "output", "rewards.results.csv"));
  });

  it("two copies started at the same moment never both send: each row is paid once at most", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "a.csv"), rows.slice(0, 10));
    writeCsv(join(cwd, "b.csv"), rows.slice(0, 10));
    const [a, b] = await Promise.all([run(sim, cwd, "a.csv"), run(sim, cwd, "b.csv")]);
    expect([a.code, b.code].filter((code) => code === 0).length, `${a.stderr}\n${b.stderr}`).toBeLessThanOrEqual(1);
    for (const result of [a, b]) if (result.code !== 0) expect(result.stderr).toMatch(/nothing was sent/);
    expectNobodyPaidTwice(sim);
    expect(sim.state.countOrders()).toBe(a.code === 0 || b.code === 0 ? 10 : 0);
  });

  it("a run killed mid-batch holds its rows until that batch runs again; then its orders are what a copy meets", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeCsv(join(cwd, "rewards.csv"), rows.slice(0, 10));
    copyFileSync(join(cwd, "rewards.csv"), join(cwd, "copy.csv"));
    const crashed = await runCli(["run", "rewards.csv", "--base-url", sim.url, ...FAST], {
      cwd,
      env: { RUNA_BATCH_CRASH_AT: "after-post:3" },
    });
    expect(crashed.code).not.toBe(0);
    expect(sim.state.countOrders()).toBe(3);
    const copy = await run(sim, cwd, "copy.csv");
    expect(copy.code, copy.stderr).toBe(1);
    expect(copy.stderr).toMatch(
      /10 row\(s\) pay the same recipients .* as a run of batch "rewards" that started at .* has not ended/,
    );
    expect(sim.state.countOrders()).toBe(3);
    const resumed = await run(sim, cwd, "rewards.csv");
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(10);
    const again = await run(sim, cwd, "copy.csv");
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /10 row\(s\) pay the same recipients the same amounts and products as batch "rewards" did on/,
    );
    expect(again.stderr).not.toMatch(/has not ended/);
    expect(sim.state.countOrders()).toBe(10);
    expectNobodyPaidTwice(sim);
  });
});
