// The reconciliation for the person at the terminal, and as a CSV for finance (one line per
// finding: owner-only, formula-safe, written whole or not at all).
import { Readable } from "node:stream";
import { csvWriter } from "../csv/csv-format.ts";
import { neutraliseFormula, writeFileAtomically } from "../csv/safe-file.ts";
import { allMatch, type Reconciliation } from "./match-orders.ts";

/** Orders listed per finding on screen; the CSV has them all. */
const MAX_LISTED = 20;

export const RECONCILE_COLUMNS = [
  "finding",
  "batch_id",
  "order_id",
  "currency",
  "runa_status",
  "journal_status",
  "created_at",
  "journal_orders",
  "journal_total",
  "runa_orders",
  "runa_total",
  "journal_file",
] as const;

type Line = Partial<Record<(typeof RECONCILE_COLUMNS)[number], string | number | undefined>>;

export interface ReportContext {
  journals: number;
  journalDirectory: string;
  /** The period as the user gave it, for the heading. */
  period: string;
  csvFile: string;
}

export function formatReconciliation(reconciliation: Reconciliation, context: ReportContext): string {
  const { unknown, missing, unanswered, totals } = reconciliation;
  const lines = [
    `Reconciled ${reconciliation.runaOrders} Runa order(s) ${context.period} against ${context.journals} journal(s) in ${context.journalDirectory}`,
  ];
  const more = (count: number) => (count > MAX_LISTED ? [`    ... and ${count - MAX_LISTED} more (see the CSV)`] : []);
  if (unknown.length > 0) {
    lines.push(
      `  MISMATCH: ${unknown.length} order(s) at Runa that no journal knows (placed from another machine or tool, or their journal is lost):`,
    );
    for (const order of unknown.slice(0, MAX_LISTED)) {
      lines.push(
        `    ${order.id} ${order.status}${order.createdAt ? ` created ${order.createdAt}` : ""}${order.totalPrice ? ` ${order.currency} ${order.totalPrice}` : ""}`,
      );
    }
    lines.push(...more(unknown.length));
  }
  if (missing.length > 0) {
    lines.push(
      `  MISMATCH: ${missing.length} journal order(s) that Runa does not list (another environment or account?):`,
    );
    for (const order of missing.slice(0, MAX_LISTED))
      lines.push(`    ${order.orderId} of batch ${order.batchId} (${order.journal})`);
    lines.push(...more(missing.length));
  }
  if (totals.length > 0) {
    lines.push("  COMPLETED orders per batch and currency, journal vs Runa's total_price:");
    for (const total of totals) {
      lines.push(
        `    ${total.batchId} ${total.currency}: journal ${total.journalOrders} order(s) ${total.journalTotal}, Runa ${total.runaOrders} order(s) ${total.runaTotal}  ${total.matches ? "match" : "MISMATCH"}`,
      );
    }
  }
  if (unanswered.length > 0) {
    const batches = [...new Set(unanswered.map((order) => order.batchId))];
    lines.push(
      `  ${unanswered.length} journal order(s) were sent with no answer recorded (outcome unknown): re-run batch ${batches.join(", ")} to settle them`,
    );
  }
  lines.push(allMatch(reconciliation) ? "  Everything matches." : "  Not everything matches (exit 3): see above.");
  lines.push(`  report: ${context.csvFile}`);
  return `${lines.join("\n")}\n`;
}

export async function writeReconciliationCsv(
  path: string,
  reconciliation: Reconciliation,
  bom: boolean,
): Promise<void> {
  const rows = Readable.from(
    (function* () {
      yield [...RECONCILE_COLUMNS];
      for (const line of findings(reconciliation))
        yield RECONCILE_COLUMNS.map((column) => neutraliseFormula(String(line[column] ?? "")));
    })(),
  );
  await writeFileAtomically(path, rows, csvWriter({ delimiter: ",", bom }));
}

function* findings(reconciliation: Reconciliation): Generator<Line> {
  for (const order of reconciliation.unknown) {
    yield {
      finding: "unknown_to_journals",
      order_id: order.id,
      currency: order.currency,
      runa_status: order.status,
      created_at: order.createdAt,
      runa_total: order.totalPrice,
    };
  }
  for (const order of reconciliation.missing) {
    yield {
      finding: "missing_at_runa",
      batch_id: order.batchId,
      order_id: order.orderId,
      currency: order.currency,
      journal_status: journalStatus(order),
      journal_total: order.totalPrice,
      journal_file: order.journal,
    };
  }
  for (const order of reconciliation.unanswered) {
    yield {
      finding: "outcome_unknown",
      batch_id: order.batchId,
      currency: order.currency,
      journal_status: "sent, no answer recorded",
      created_at: order.at,
      journal_file: order.journal,
    };
  }
  for (const total of reconciliation.totals) {
    yield {
      finding: total.matches ? "totals_match" : "totals_differ",
      batch_id: total.batchId,
      currency: total.currency,
      journal_orders: total.journalOrders,
      journal_total: total.journalTotal,
      runa_orders: total.runaOrders,
      runa_total: total.runaTotal,
    };
  }
}

function journalStatus(order: Reconciliation["missing"][number]): string {
  return order.phase === "settled" ? (order.outcome ?? "FAILED") : order.phase;
}
