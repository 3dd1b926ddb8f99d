// A pass over the file that sends nothing: what each row will get, and every reason the run must
// refuse before its first POST. Used by `run` (which refuses) and by `status` and `validate` (which
// report). The per-row rules live in plan-row.ts; this file holds the rules that need the whole
// file: rows paid earlier that are no longer in the file, and rows paid by other batches.
import type { JournalState, OrderState } from "../journal/journal-state.ts";
import { searchLedger, type LedgerMatch, type OpenIntent } from "../journal/ledger.ts";
import { EXAMPLE_REFERENCE } from "../catalog/template-rows.ts";
import { JournalRefusal } from "../errors.ts";
import { openInput, type InputOptions } from "../input/check-rows.ts";
import { FingerprintIndex, type OrderLine } from "../input/order-line.ts";
import { asksFor, parseBody } from "./order-body.ts";
import { recentCache } from "../recent-cache.ts";
import { isRepostExpired, mayHavePaid, planRowId, type RowPlan } from "./plan-row.ts";
import { CostTally, type ChoicesToEstimate, type CurrencyCost } from "../input/cost-tally.ts";

export interface PlanOptions {
  file: string;
  input: InputOptions;
  batchId: string;
  /** The environment's ledger (absent: no cross-batch check, e.g. a rehearsal). */
  ledgerFile?: string;
  repeatWindowMs: number;
  /** Production: the template's example rows, left in by mistake, would really be paid. */
  production?: boolean;
}

/** Why a run must stop before any POST, and which flag (if any) lets it go on. */
export interface Refusal {
  /**
   * "conflict": --accept-changes; "repeat": --allow-repeat-payments; "paid_order_id": none (clear the
   * cell); "expired": --force-after-expiry; "example_row": none (delete the row).
   */
  kind: "conflict" | "repeat" | "paid_order_id" | "expired" | "example_row";
  message: string;
}

export interface RunPlan {
  counts: Record<RowPlan["action"], number>;
  /** Rows to be sent (new, re-sent, or accepted changes), priced per currency. */
  toSend: CurrencyCost[];
  /** The product choices (MULTIPLE, TEMPLATE) among them, for POST /order/estimate. */
  choices: ChoicesToEstimate;
  refusals: Refusal[];
  /** Rows that fail validation: a run refuses the file unless --skip-invalid. */
  invalid: number;
  /** Rows an earlier run may have paid that the file no longer holds (by fingerprint). */
  missingPaidRows: string[];
  /**
   * New rows without a reference standing where such a missing paid row stood (by row number):
   * the fingerprint each one likely replaces. Only for the record (the replaced row's orders are
   * shown with it, see superseded_order_ids); safety never rests on it.
   */
  replaces: Map<number, string>;
  /** The content ids of the rows new to this batch: what a run claims in the ledger before sending. */
  newContent: FingerprintIndex;
}

/** How many rows a message names before it says "+N more". */
const NAMED_ROWS = 10;

export async function planBatch(options: PlanOptions, journal: JournalState, now: number): Promise<RunPlan> {
  const counts = { done: 0, poll: 0, repost: 0, new: 0, conflict: 0 };
  const refusals: Refusal[] = [];
  const expired: string[] = [];
  const edited = editCheck();
  const toSend = new CostTally(options.input);
  const seen = new Uint8Array(journal.rowCount); // by journal row id: no fingerprint string kept per row
  const newRows = { count: 0, first: [] as number[] }; // a million new rows: their count and the few a message names
  const unreferencedNewRows = new RowNumbers();
  const newContent = new FingerprintIndex();
  const carriedOrderIds = new Map<string, number>();
  const input = await openInput(options.file, options.input);
  const orderIdColumn = input.header.findIndex((name) => name.trim().toLowerCase() === "order_id");
  let invalid = 0;
  const exampleRows: number[] = [];
  for await (const checked of input.rows) {
    if (!checked.result.ok) {
      invalid += 1;
      continue;
    }
    const line = checked.result.order;
    const known = journal.rowId(line.fingerprint); // one lookup for every question below
    const plan = planRowId(known, journal, edited(line));
    counts[plan.action] += 1;
    if (
      options.production &&
      line.reference !== undefined &&
      EXAMPLE_REFERENCE.test(line.reference) &&
      plan.action !== "done"
    )
      exampleRows.push(checked.row);
    if (plan.action === "conflict")
      refusals.push({ kind: "conflict", message: describeConflict(checked.row, line.reference, plan) });
    // A re-sent row whose first POST did land is already paid: counting it again errs on the safe side.
    if (plan.action === "new" || plan.action === "conflict" || plan.action === "repost") toSend.add(line);
    if (known !== -1) seen[known] = 1;
    if (plan.action === "repost" && isRepostExpired(plan.order, now)) {
      expired.push(
        `row ${checked.row}: key ${plan.order.key} first sent ${plan.order.firstPostAt}, no answer recorded`,
      );
    }
    if (plan.action === "new" && plan.generation === 0) {
      newRows.count += 1;
      if (newRows.first.length < NAMED_ROWS) newRows.first.push(checked.row);
      newContent.add(line.contentId, checked.row);
      if (line.reference === undefined) unreferencedNewRows.add(checked.row);
    }
    const carried = orderIdColumn === -1 ? "" : (checked.values[orderIdColumn] ?? "").trim();
    if (
      carried !== "" &&
      (plan.action === "new" || plan.action === "conflict") &&
      journal.orderOfRowId(known)?.orderId !== carried
    ) {
      carriedOrderIds.set(carried, checked.row);
    }
  }
  const missingPaidRows: string[] = [];
  for (const row of journal.rows())
    if (mayHavePaid(row.order) && seen[row.id] !== 1 && !journal.released.has(row.fp)) missingPaidRows.push(row.fp);
  const replaces = new Map<number, string>();
  if (missingPaidRows.length > 0 && newRows.count > 0) {
    refusals.push({ kind: "conflict", message: describeMissing(journal, missingPaidRows, newRows) });
    for (const fp of missingPaidRows) {
      const member = journal.memberOfRow(fp);
      if (member && member.ref === undefined && unreferencedNewRows.has(member.row)) replaces.set(member.row, fp);
    }
  }
  if (options.ledgerFile !== undefined && (newRows.count > 0 || carriedOrderIds.size > 0)) {
    const findings = searchLedger(options.ledgerFile, {
      batchId: options.batchId,
      hasContent: (contentId) => newContent.rowOf(contentId) !== undefined,
      hasOrderId: (orderId) => carriedOrderIds.has(orderId),
    });
    const rowOf = (contentId: string) => newContent.rowOf(contentId) ?? 0;
    refusals.push(...repeatRefusals(findings.byContent, rowOf, journal, options, now));
    refusals.push(...claimRefusals(findings.openIntents, rowOf, options, now));
    refusals.push(...carriedOrderRefusals(carriedOrderIds, findings.byOrderId));
  }
  if (exampleRows.length > 0) {
    refusals.push({
      kind: "example_row",
      message: `${exampleRows.length} row(s) are still the template's example rows (reference EXAMPLE-n): row(s) ${namedRows(exampleRows)}. In production they would really be paid: delete them.`,
    });
  }
  if (expired.length > 0) {
    refusals.push({
      kind: "expired",
      message:
        `${expired.length} row(s) were sent over 29 days ago with no answer recorded; Runa forgets keys after 30 days and would treat a re-send as a NEW order.\n  ` +
        `${expired.join("\n  ")}`,
    });
  }
  return {
    counts,
    toSend: toSend.totals(),
    choices: toSend.choices(),
    refusals,
    invalid,
    missingPaidRows,
    replaces,
    newContent,
  };
}

/**
 * After a run has claimed its new rows in the ledger, and before its first POST: runs of other
 * batches that claimed the same rows and have not ended. Two batches planned at the same moment
 * both pass planBatch's look at the ledger; each then writes its claim and looks again, so the
 * later one always sees the earlier (and if both look before either ends, both refuse).
 */
export function racingRunRefusals(
  ledgerFile: string,
  newContent: FingerprintIndex,
  options: Pick<PlanOptions, "batchId" | "repeatWindowMs">,
  now: number,
): Refusal[] {
  const findings = searchLedger(ledgerFile, {
    batchId: options.batchId,
    hasContent: (contentId) => newContent.rowOf(contentId) !== undefined,
    hasOrderId: () => false,
  });
  return claimRefusals(findings.openIntents, (contentId) => newContent.rowOf(contentId) ?? 0, options, now);
}

/** Rows claimed by a run of another batch that has not ended: it may be paying them right now. */
function claimRefusals(
  openIntents: Map<string, OpenIntent[]>,
  rowOf: (contentId: string) => number,
  options: Pick<PlanOptions, "batchId" | "repeatWindowMs">,
  now: number,
): Refusal[] {
  const byRun = new Map<string, { intent: OpenIntent; rows: number[] }>();
  for (const [contentId, intents] of openIntents) {
    for (const intent of intents) {
      if (intent.batchId === options.batchId) continue; // our own batch: its journal and lock apply
      if (now - Date.parse(intent.at) > options.repeatWindowMs) continue;
      const entry = byRun.get(intent.runId) ?? { intent, rows: [] };
      entry.rows.push(rowOf(contentId));
      byRun.set(intent.runId, entry);
    }
  }
  return [...byRun.values()].map(({ intent, rows }) => ({
    kind: "repeat" as const,
    message:
      `${rows.length} row(s) pay the same recipients the same amounts and products as a run of batch "${intent.batchId}" that started at ${intent.at} and has not ended: ` +
      `it may be paying them right now, or it was killed before it ended: row(s) ${namedRows(rows.sort((a, b) => a - b))}. ` +
      `Let that run finish (or run batch "${intent.batchId}" again to finish it), then run this file again: rows it paid are then refused as repeats. If these really are new payments, pass --allow-repeat-payments.`,
  }));
}

function paidOrSent(order: OrderState): string {
  return order.phase === "settled" ? "paid" : "sent";
}

function describeConflict(
  row: number,
  reference: string | undefined,
  plan: Extract<RowPlan, { action: "conflict" }>,
): string {
  const { order } = plan;
  const identity = reference === undefined ? `row ${row}` : `row ${row} (reference ${reference})`;
  if (plan.reason === "key_reused") {
    return `${identity}: Runa refused its key as already used with a different body (idempotency_validation_error); an order for the earlier content may exist`;
  }
  return `${identity} was edited after it was ${paidOrSent(order)} as order ${order.orderId ?? order.key}; as edited it would be a second order`;
}

/** The first rows by number, and how many more there are of `total`. */
function namedRows(rows: readonly number[], total = rows.length): string {
  const named = rows.slice(0, NAMED_ROWS).join(", ");
  return total > NAMED_ROWS ? `${named} (+${total - NAMED_ROWS} more)` : named;
}

/** A set of row numbers as bits: a million rows take 125 kB, not a Set entry each. */
export class RowNumbers {
  #bits = new Uint8Array(1 << 10);

  add(row: number): void {
    const byte = row >>> 3;
    if (byte >= this.#bits.length) {
      let length = this.#bits.length;
      while (length <= byte) length *= 2;
      const grown = new Uint8Array(length);
      grown.set(this.#bits);
      this.#bits = grown;
    }
    this.#bits[byte] = (this.#bits[byte] ?? 0) | (1 << (row & 7));
  }

  has(row: number): boolean {
    return ((this.#bits[row >>> 3] ?? 0) & (1 << (row & 7))) !== 0;
  }
}

/**
 * Paid rows gone from the file while new rows appear: a new row may be a paid row edited and
 * moved, or re-identified (a reference added, removed or renamed). Nothing tells the two apart
 * with certainty, so only the user can say the new rows are new.
 */
function describeMissing(
  journal: JournalState,
  missing: readonly string[],
  newRows: { count: number; first: readonly number[] },
): string {
  const earlier = missing.map((fp) => {
    return { row: journal.memberOfRow(fp)!.row, order: journal.orderOfRow(fp)! };
  });
  earlier.sort((a, b) => a.row - b.row);
  const shown = earlier
    .slice(0, NAMED_ROWS)
    .map(({ row, order }) => `row ${row} (${paidOrSent(order)} as order ${order.orderId ?? order.key})`);
  const more = earlier.length > NAMED_ROWS ? ` (+${earlier.length - NAMED_ROWS} more)` : "";
  return (
    `${missing.length} row(s) that earlier runs of this batch paid or sent are no longer in the file as they were: ${shown.join(", ")}${more}; ` +
    `and ${newRows.count} row(s) are new to this batch: row(s) ${namedRows(newRows.first, newRows.count)}. A new row may be a paid row that was edited, moved, ` +
    `or given, stripped of or renamed a reference, and ordering it would pay twice. Restore the paid rows as they were; or, if they were removed ` +
    `on purpose and the new rows are genuinely new, pass --accept-changes (the earlier orders stand and stay in the journal).`
  );
}

/** Rows paid by another batch within the repeat window, or by this batch in a journal it no longer has. */
function repeatRefusals(
  byContent: Map<string, LedgerMatch[]>,
  rowOf: (contentId: string) => number,
  journal: JournalState,
  options: PlanOptions,
  now: number,
): Refusal[] {
  const byBatch = new Map<string, { rows: number[]; orders: Set<string>; latest: string; lost: boolean }>();
  for (const [contentId, matches] of byContent) {
    for (const match of matches) {
      if (match.outcome === "FAILED" || match.outcome === "REJECTED") continue; // paid nobody
      const sameBatch = match.batchId === options.batchId;
      if (sameBatch && journal.orders.has(match.key)) continue; // the journal's own rules apply
      // Planned by this batch but never sent (the journal's write failed, or a crash): it paid nobody,
      // and without its journal line it never will. Another batch's plan still counts: resumed, it would send.
      if (sameBatch && !match.posted) continue;
      if (!sameBatch && now - Date.parse(match.plannedAt) > options.repeatWindowMs) continue;
      const entry = byBatch.get(match.batchId) ?? {
        rows: [],
        orders: new Set<string>(),
        latest: match.plannedAt,
        lost: sameBatch,
      };
      entry.rows.push(rowOf(contentId));
      entry.orders.add(match.orderId ?? `key ${match.key}`);
      if (match.plannedAt > entry.latest) entry.latest = match.plannedAt;
      byBatch.set(match.batchId, entry);
    }
  }
  return [...byBatch].map(([batchId, entry]) => {
    const rows = [...new Set(entry.rows)].sort((a, b) => a - b);
    const orders = [...entry.orders];
    const orderList = `${orders.slice(0, NAMED_ROWS).join(", ")}${orders.length > NAMED_ROWS ? ` (+${orders.length - NAMED_ROWS} more)` : ""}`;
    const what = entry.lost
      ? `were sent by this batch ("${batchId}") in orders its journal no longer holds (${orderList}; last ${entry.latest.slice(0, 10)}): the journal was lost or replaced, so whether they were paid cannot be told from here`
      : `pay the same recipients the same amounts and products as batch "${batchId}" did on ${entry.latest.slice(0, 10)} (orders ${orderList})`;
    return {
      kind: "repeat" as const,
      message:
        `${rows.length} row(s) ${what}: row(s) ${namedRows(rows)}. ` +
        (entry.lost
          ? "Restore the journal, or check these orders with `runa-batch reconcile` or in the Runa dashboard; --allow-repeat-payments sends them anyway."
          : "If this is a renamed or copied file, do not run it. If these really are new payments, pass --allow-repeat-payments."),
    };
  });
}

/** Rows that carry the order id of an order that may have paid them (a results file used as input). */
function carriedOrderRefusals(carried: Map<string, number>, known: Map<string, LedgerMatch>): Refusal[] {
  const paid: string[] = [];
  const unknown: number[] = [];
  for (const [orderId, row] of carried) {
    const match = known.get(orderId);
    if (!match) unknown.push(row);
    else if (match.outcome !== "FAILED" && match.outcome !== "REJECTED")
      paid.push(`row ${row} (order ${orderId}, batch "${match.batchId}", ${match.plannedAt.slice(0, 10)})`);
  }
  const refusals: Refusal[] = [];
  if (paid.length > 0) {
    refusals.push({
      kind: "paid_order_id",
      message: `${paid.length} row(s) carry the order id of an order that paid them in another batch: ${paid.slice(0, NAMED_ROWS).join(", ")}${paid.length > NAMED_ROWS ? ` (+${paid.length - NAMED_ROWS} more)` : ""}. A results file is not a new rewards file: run the original batch again to resume it, or clear the order_id cells of rows that really must be paid again.`,
    });
  }
  if (unknown.length > 0) {
    refusals.push({
      kind: "paid_order_id",
      message: `${unknown.length} row(s) carry an order id no local journal knows: row(s) ${namedRows(unknown.sort((a, b) => a - b))}. They were likely paid from another machine or by a lost journal; check with \`runa-batch reconcile\` or the Runa dashboard, and clear the order_id cells of rows that really must be paid again.`,
    });
  }
  return refusals;
}

/** The flags that let each kind of refusal go on. */
export interface Overrides {
  acceptChanges: boolean;
  allowRepeatPayments: boolean;
  forceAfterExpiry: boolean;
}

/** The flag that lets each kind of refusal go on; none for rows that must never be sent as they are. */
export const OVERRIDING_FLAGS: Record<Refusal["kind"], { option: keyof Overrides; flag: string } | undefined> = {
  conflict: { option: "acceptChanges", flag: "--accept-changes" },
  repeat: { option: "allowRepeatPayments", flag: "--allow-repeat-payments" },
  expired: { option: "forceAfterExpiry", flag: "--force-after-expiry" },
  paid_order_id: undefined,
  example_row: undefined,
};

export function blockingRefusals(refusals: readonly Refusal[], overrides: Overrides): Refusal[] {
  return refusals.filter((refusal) => {
    const overriding = OVERRIDING_FLAGS[refusal.kind];
    return overriding === undefined || !overrides[overriding.option];
  });
}

const REFUSAL_HINTS: Record<Refusal["kind"], string> = {
  conflict:
    "Restore the rows, or pass --accept-changes to order the edited or new rows as NEW orders (the earlier orders stand).",
  repeat: "Nothing tells a copy from new payments to the same people: --allow-repeat-payments sends them anyway.",
  paid_order_id: "Rows carrying the order id of an order that may have paid them are never sent again.",
  expired: "Check these in the Runa dashboard first; --force-after-expiry re-sends them anyway.",
  example_row: "The example rows of `runa-batch template` are there to show the format only.",
};

/** Stops the run before any POST when a refusal stands that no flag the user gave allows. */
export function refuseUnsafe(refusals: readonly Refusal[], batchId: string, overrides: Overrides): void {
  const blocking = blockingRefusals(refusals, overrides);
  if (blocking.length === 0) return;
  const hints = [...new Set(blocking.map((refusal) => REFUSAL_HINTS[refusal.kind]))];
  throw new JournalRefusal(
    `batch "${batchId}": nothing was sent.\n  ${blocking.map((refusal) => refusal.message).join("\n  ")}\n${hints.join("\n")}`,
    blocking[0]!.kind,
  );
}

/** Orders whose parsed bodies are kept at once: rows of one order mostly come together in the file. */
const EDIT_CHECK_CACHED_ORDERS = 64;

/**
 * Whether a row differs from what its journaled order carried. A journaled body is parsed once
 * per order (while its rows keep coming), not once per row of a 200-item order, and a row finds
 * its item through an index, not a scan of the order's members.
 */
export function editCheck(): (line: OrderLine) => (order: OrderState) => boolean {
  const journaled = recentCache(EDIT_CHECK_CACHED_ORDERS, (order: OrderState) => {
    const body = parseBody(order.body);
    return { body, items: new Map(order.rows.map((member, index) => [member.fp, body.items[index]])) };
  });
  return (line) => (order) => {
    const { body, items } = journaled(order);
    return !asksFor(line, body, items.get(line.fingerprint));
  };
}
