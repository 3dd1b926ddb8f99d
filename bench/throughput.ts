// Rows per minute at Runa's real 60 orders/minute: `npm run bench:throughput` (tsx bench/throughput.ts).
// For 1, 10 and 200 items per order, the real CLI runs against an in-process simulator that
// allows 60 orders/minute and completes an order after its default delay (1 s, like the playground).
// Each run is about two minutes of orders or 3,000 rows, whichever is fewer. Measured from the
// first POST the simulator received to the moment the results file was written; polls per order
// from the simulator's GET /order/{id} count. Takes about 5 minutes.
// Targets: >= 10,000 rows/minute at 200 items per order; <= 3 polls per order on average.
import { DEFAULT_ORDERS_PER_MINUTE } from "../src/simulator/index.ts";
import { plainRow, rows } from "../test/throughput/rewards-file.ts";
import { runAgainstSimulator } from "./run-cli.ts";

const RATE = DEFAULT_ORDERS_PER_MINUTE; // 60, the design target
const MINUTES_PER_RUN = 2;
const MAX_ROWS = 3_000;
const ROWS_PER_MINUTE_TARGET = 10_000;
const POLLS_PER_ORDER_TARGET = 3;

let failed = false;
console.log(`items/order     rows   orders  seconds   rows/minute  orders/minute  polls/order  429s`);
for (const itemsPerOrder of [1, 10, 200]) {
  const count = Math.min(MAX_ROWS, itemsPerOrder * RATE * MINUTES_PER_RUN);
  const run = await runAgainstSimulator({ name: `throughput-${itemsPerOrder}`, rows: rows(count, plainRow), itemsPerOrder, rate: RATE, simulator: { ordersPerMinute: RATE } });
  const seconds = (run.resultsWrittenAt - run.firstPostAt) / 1000;
  const rowsPerMinute = (run.rows / seconds) * 60;
  const ordersPerMinute = ((run.posts - 1) / (run.lastPostAt - run.firstPostAt)) * 60_000;
  const pollsPerOrder = run.polls / run.orders;
  console.log(
    `${String(itemsPerOrder).padStart(11)} ${String(run.rows).padStart(8)} ${String(run.orders).padStart(8)} ${seconds.toFixed(1).padStart(8)} ${rowsPerMinute.toFixed(0).padStart(13)} ${ordersPerMinute.toFixed(1).padStart(14)} ${pollsPerOrder.toFixed(2).padStart(12)} ${String(run.rateLimited).padStart(5)}`,
  );
  if (run.exitCode !== 0 || run.rateLimited > 0 || pollsPerOrder > POLLS_PER_ORDER_TARGET) failed = true;
  if (itemsPerOrder === 200 && rowsPerMinute < ROWS_PER_MINUTE_TARGET) failed = true;
}
console.log(`targets: >= ${ROWS_PER_MINUTE_TARGET} rows/minute at 200 items per order, <= ${POLLS_PER_ORDER_TARGET} polls per order, no 429: ${failed ? "MISSED" : "met"}`);
process.exitCode = failed ? 1 : 0;
