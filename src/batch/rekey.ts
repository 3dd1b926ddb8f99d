// --rekey <rows>: the way out for a key whose outcome stays unknown (typically one stuck on a 5xx
// that Runa stored and replays for 30 days). Only the user may choose it: Runa may hold an order
// for the old key, and the rows are then paid twice. Rows are numbered as in the results `row` column.
import { JournalRefusal, UsageError } from "../errors.ts";
import type { JournalState, OrderState } from "../journal/journal-state.ts";
import { openInput, type InputOptions } from "../input/check-rows.ts";

/** "5", "5,7", "9-12" and any mix: the row numbers, ascending, each once. */
export function parseRowList(text: string): number[] {
  const rows = new Set<number>();
  for (const part of text.split(",").map((piece) => piece.trim())) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    const first = Number(match?.[1]);
    const last = match?.[2] === undefined ? first : Number(match[2]);
    if (!match || first < 2 || last < first || last - first > 100_000) {
      throw new UsageError(
        `--rekey "${text}": expected row numbers as in the results \`row\` column (2 or more), e.g. 5,7,9-12`,
      );
    }
    for (let row = first; row <= last; row += 1) rows.add(row);
  }
  return [...rows].sort((a, b) => a - b);
}

export interface RekeyPlan {
  /** The orders whose rows get a new key generation, each with the rows it carries. */
  orders: { order: OrderState; rows: number[] }[];
}

/**
 * Finds the journaled order of each named row and refuses anything but an unknown outcome: a row
 * COMPLETED, accepted or never sent needs no new key, and giving it one could pay it twice. An
 * order of several rows is re-keyed whole, so every one of its rows must be named.
 */
export async function planRekey(
  file: string,
  input: InputOptions,
  journal: JournalState,
  rows: number[],
): Promise<RekeyPlan> {
  const wanted = new Set(rows);
  const orders = new Map<string, { order: OrderState; rows: number[] }>();
  const problems: string[] = [];
  const { rows: checkedRows } = await openInput(file, input);
  for await (const checked of checkedRows) {
    if (!wanted.has(checked.row)) continue;
    wanted.delete(checked.row);
    if (!checked.result.ok) {
      problems.push(`row ${checked.row} is invalid`);
      continue;
    }
    const order = journal.orderOfRow(checked.result.order.fingerprint);
    if (!order || (order.phase !== "posted" && order.phase !== "unresolved")) {
      problems.push(
        `row ${checked.row} ${order ? describePhase(order) : "was never sent"}: only a row whose outcome is unknown (status ERROR) can be re-keyed`,
      );
      continue;
    }
    const entry = orders.get(order.key) ?? { order, rows: [] };
    entry.rows.push(checked.row);
    orders.set(order.key, entry);
  }
  for (const row of wanted) problems.push(`row ${row} is not in ${input.displayName ?? file}`);
  for (const { order, rows: named } of orders.values()) {
    const missing = order.rows.map((member) => member.row).filter((row) => !named.includes(row));
    if (missing.length > 0)
      problems.push(
        `row ${named.join(", ")} shares order ${order.key} with row ${missing.join(", ")}: one order gets one key, so name all of its rows`,
      );
  }
  if (problems.length > 0)
    throw new JournalRefusal(`--rekey: nothing was sent.\n  ${problems.join("\n  ")}`, "rekey_refused");
  return { orders: [...orders.values()] };
}

function describePhase(order: OrderState): string {
  switch (order.phase) {
    case "settled":
      return order.outcome === "COMPLETED"
        ? `is COMPLETED (order ${order.orderId ?? "?"})`
        : "FAILED (a re-run already uses a new key)";
    case "accepted":
      return `was accepted as order ${order.orderId ?? "?"} (a re-run polls it)`;
    case "rejected":
      return "was REJECTED (a re-run already uses a new key)";
    default:
      return "was never sent";
  }
}

/** The question asked before re-keying: what the user accepts by saying yes. */
export function rekeyQuestion(plan: RekeyPlan): string {
  const rows = plan.orders.flatMap((entry) => entry.rows);
  return [
    "",
    `--rekey: row(s) ${rows.join(", ")} will be sent under a NEW idempotency key.`,
    "Their current key's outcome is unknown: if Runa holds an order for it, these rows are paid a SECOND time.",
    "Check first (`runa-batch reconcile`, or the Runa dashboard) that no order exists for:",
    ...plan.orders.map(
      ({ order, rows: named }) =>
        `  key ${order.key} (row ${named.join(", ")}, first sent ${order.firstPostAt ?? "?"})`,
    ),
    "Re-send them under a new key? [y/N] ",
  ].join("\n");
}
