// Rows per minute against the order cap: `npm run bench:throughput` (builds, then tsx bench/throughput.ts);
// `npm run bench:throughput -- 4` runs only case 4 (cases are numbered as printed).
// The real CLI against an in-process simulator that refuses POST /order past its per-minute limit
// (a strict 60-second sliding window) and completes orders after a set delay (1 s, like the
// playground; 5 s in the last case). Each case at a full rate runs at least two full 60-second
// windows of orders, so the figure is what the cap allows, not the client's own spacing at the start.
// Rows per minute run from the first POST the simulator received to the last poll (when the CLI
// learned the last order's outcome, every link known), shown as a share of the physical limit (rate
// x items per order). Writing the results file after that re-reads and re-checks every row: a cost
// per row, not a rate, so it is printed apart ("results s") with the share counted to the results
// file's mtime beside it. Polls per order come from the simulator's GET /order/{id} count. All five
// cases take about 11 minutes.
// Targets: >= 0.95 of the limit at 200 items per order, at 60/minute and at 300/minute (Runa's
// documented limit today); no 429; <= 3 polls per order, also when orders take 5 s to complete.
import { plainRow, rows } from "../test/throughput/rewards-file.ts";
import { loadavg } from "node:os";
import { runAgainstSimulator } from "./run-cli.ts";

const LIMIT_SHARE_TARGET = 0.95;
const POLLS_PER_ORDER_TARGET = 3;

interface Case {
  itemsPerOrder: number;
  /** Orders per minute, for the CLI's --rate and the simulator's limit alike. */
  rate: number;
  orders: number;
  completionDelayMs: number;
  /** Whether the share of the limit is a target here (cases that fill two windows at 200 items). */
  shareIsTarget: boolean;
}

const CASES: Case[] = [
  { itemsPerOrder: 1, rate: 60, orders: 130, completionDelayMs: 1_000, shareIsTarget: false },
  { itemsPerOrder: 10, rate: 60, orders: 130, completionDelayMs: 1_000, shareIsTarget: false },
  { itemsPerOrder: 200, rate: 60, orders: 130, completionDelayMs: 1_000, shareIsTarget: true },
  { itemsPerOrder: 200, rate: 300, orders: 610, completionDelayMs: 1_000, shareIsTarget: true },
  { itemsPerOrder: 200, rate: 60, orders: 30, completionDelayMs: 5_000, shareIsTarget: false },
];

const chosen = process.argv.slice(2).map(Number);
const startLoad = loadavg()[0]!.toFixed(1);
let failed = false;
console.log(
  `case  items/order  rate  completes     rows  orders  POST gap ms  seconds  rows/minute  of limit  results s  with results  polls/order  429s`,
);
for (const [index, test] of CASES.entries()) {
  if (chosen.length > 0 && !chosen.includes(index + 1)) continue;
  const count = test.orders * test.itemsPerOrder;
  const run = await runAgainstSimulator({
    name: `throughput-${test.itemsPerOrder}-${test.rate}`,
    rows: rows(count, plainRow),
    itemsPerOrder: test.itemsPerOrder,
    rate: test.rate,
    // A balance for every row: 122,000 rows at up to 99 USD each outspend the default.
    simulator: {
      ordersPerMinute: test.rate,
      completionDelayMs: test.completionDelayMs,
      balances: { USD: "1000000000.00" },
    },
  });
  const limit = test.rate * test.itemsPerOrder;
  const seconds = (run.lastPollAt - run.firstPostAt) / 1000;
  const rowsPerMinute = (run.rows / seconds) * 60;
  const share = rowsPerMinute / limit;
  const resultsSeconds = (run.resultsWrittenAt - run.lastPollAt) / 1000;
  const shareWithResults = ((run.rows / (seconds + resultsSeconds)) * 60) / limit;
  const pollsPerOrder = run.polls / run.orders;
  // The client's own spacing, margin included (limiters.ts): 203 ms at 300/minute.
  const postGapMs = (run.lastPostAt - run.firstPostAt) / Math.max(1, run.posts - 1);
  console.log(
    `${String(index + 1).padStart(4)} ${String(test.itemsPerOrder).padStart(12)} ${String(test.rate).padStart(5)} ${`${test.completionDelayMs / 1000} s`.padStart(10)} ${String(run.rows).padStart(8)} ${String(run.orders).padStart(7)} ${postGapMs.toFixed(1).padStart(12)} ` +
      `${seconds.toFixed(1).padStart(8)} ${rowsPerMinute.toFixed(0).padStart(12)} ${share.toFixed(3).padStart(9)} ${resultsSeconds.toFixed(1).padStart(10)} ${shareWithResults.toFixed(3).padStart(13)} ${pollsPerOrder.toFixed(2).padStart(12)} ${String(run.rateLimited).padStart(5)}`,
  );
  if (run.exitCode !== 0 || run.orders !== test.orders)
    console.log(`  WRONG: the run exited ${run.exitCode} after ${run.orders} of ${test.orders} orders`);
  if (run.exitCode !== 0 || run.orders !== test.orders || run.rateLimited > 0 || pollsPerOrder > POLLS_PER_ORDER_TARGET)
    failed = true;
  if (test.shareIsTarget && share < LIMIT_SHARE_TARGET) failed = true;
}
console.log(
  `load average ${startLoad} at the start, ${loadavg()[0]!.toFixed(1)} at the end; targets: >= ${LIMIT_SHARE_TARGET} of the limit at 200 items per order (60 and 300/minute), <= ${POLLS_PER_ORDER_TARGET} polls per order, no 429: ${failed ? "MISSED" : "met"}`,
);
process.exitCode = failed ? 1 : 0;
