// Orders per minute at the real limit: `npm run bench:rate` (tsx bench/rate.ts).
// About 130 single-item orders through the real CLI at --rate 60 against a simulator that counts
// POST /order in a strict 60-second sliding window (refused requests included) and answers 429
// past 60. Prints the rate achieved over the span of POSTs and the 429s. Takes about 2.2 minutes.
// Target: >= 57 orders/minute (95 % of the budget) and zero 429s.
import { plainRow, rows } from "../test/throughput/rewards-file.ts";
import { runAgainstSimulator } from "./run-cli.ts";

const RATE = 60;
const ORDERS = 130;
const TARGET = 0.95 * RATE;

const run = await runAgainstSimulator({
  name: "rate",
  rows: rows(ORDERS, plainRow),
  itemsPerOrder: 1,
  rate: RATE,
  simulator: { ordersPerMinute: RATE },
});
const spanMs = run.lastPostAt - run.firstPostAt;
const perMinute = ((run.posts - 1) / spanMs) * 60_000;
console.log(
  `${run.posts} POST /order over ${(spanMs / 1000).toFixed(1)} s: ${perMinute.toFixed(2)} orders/minute (budget ${RATE}); 429s received: ${run.rateLimited}`,
);
const met = run.exitCode === 0 && run.rateLimited === 0 && perMinute >= TARGET;
console.log(`target: >= ${TARGET} orders/minute, zero 429s: ${met ? "met" : "MISSED"}`);
process.exitCode = met ? 0 : 1;
