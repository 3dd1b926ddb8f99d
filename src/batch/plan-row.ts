// What a run does with a row, given what the journal knows. The re-run rules live here and only here.
import { IDEMPOTENCY_WINDOW_MS, MAX_POST_ATTEMPTS } from "../config.ts";
import type { JournalState, OrderState } from "../journal/journal-state.ts";
import { errorTypeIs } from "../runa/error-types.ts";

export type RowPlan =
  /** COMPLETED already: the result comes from the journal, nothing is sent. */
  | { action: "done"; order: OrderState }
  /** Runa gave an order id but no final state yet: poll it, never post it again. */
  | { action: "poll"; order: OrderState }
  /** Sent with no answer recorded (or never sent): post the SAME key and body again, which Runa replays. */
  | { action: "repost"; order: OrderState }
  /**
   * Not ordered yet (generation 0), or the last attempt was final: a 4xx, which Runa replays for 30
   * days so only a new key can succeed, or a FAILED order, which paid nobody. Or the user re-keyed
   * an unknown outcome (--rekey), accepting that its first key may have paid.
   */
  | { action: "new"; generation: number }
  /**
   * The row may already have been paid in another form: it was edited after its order was sent
   * (same reference, new content), or Runa refused its key as already used with another body.
   * Ordering it now could pay twice, so only the user can say yes (--accept-changes: `generation`).
   */
  | { action: "conflict"; order: OrderState; generation: number; reason: "edited" | "key_reused" };

/**
 * `edited` says whether the row's content differs from what its journaled order carried. A row
 * with a reference keeps its fingerprint when edited (the reference is its identity), so only
 * this comparison tells an edit from a re-run.
 */
export function planRow(
  fingerprint: string,
  journal: JournalState,
  edited: (order: OrderState) => boolean = () => false,
): RowPlan {
  return planRowId(journal.rowId(fingerprint), journal, edited);
}

/** planRow for a row known by its journal row id (JournalState.rowId; -1 for a row it does not know). */
export function planRowId(
  id: number,
  journal: JournalState,
  edited: (order: OrderState) => boolean = () => false,
): RowPlan {
  const order = journal.orderOfRowId(id);
  if (!order) return { action: "new", generation: 0 };
  const next = (journal.generationOfRowId(id) ?? order.gen) + 1;
  // The key already carries another body at Runa: an order for that body may exist.
  if (order.phase === "rejected" && errorTypeIs(order.error?.type, "idempotency_validation_error")) {
    return { action: "conflict", order, generation: next, reason: "key_reused" };
  }
  // An edit is only safe to order where nothing can have been paid yet (never sent, FAILED, 4xx).
  if (edited(order))
    return mayHavePaid(order)
      ? { action: "conflict", order, generation: next, reason: "edited" }
      : { action: "new", generation: next };
  switch (order.phase) {
    case "settled":
      return order.outcome === "COMPLETED" ? { action: "done", order } : { action: "new", generation: next };
    case "accepted":
      return { action: "poll", order };
    case "rejected":
      return { action: "new", generation: next };
    case "posted":
    case "unresolved":
      // Only the user may give up on a key whose outcome is unknown (--rekey): Runa may hold an order for it.
      return order.rekeyed ? { action: "new", generation: next } : { action: "repost", order };
    case "planned":
      return { action: "repost", order };
  }
}

/** Whether an order may have paid someone: COMPLETED, or sent with the outcome not final yet. */
export function mayHavePaid(order: OrderState): boolean {
  switch (order.phase) {
    case "settled":
      return order.outcome === "COMPLETED";
    case "accepted":
    case "posted":
    case "unresolved":
      return true;
    case "planned":
    case "rejected":
      return false;
  }
}

/**
 * Runa forgets a key after 30 days and would place a NEW order for it. A key first sent that long
 * ago with no answer recorded may already have paid, so re-posting it could pay twice. A day of
 * margin covers clock skew and a run that straddles the limit.
 */
export const REPOST_SAFE_MS = IDEMPOTENCY_WINDOW_MS - 24 * 60 * 60_000;

export function isRepostExpired(order: OrderState, now: number): boolean {
  return order.firstPostAt !== undefined && now - Date.parse(order.firstPostAt) > REPOST_SAFE_MS;
}

/**
 * A key answered only by Runa 5xx this many times in a row (across runs) is taken to be stuck on a
 * stored 5xx, which Runa replays for the key's 30 days. One more than a run's attempts, so a
 * single run's transient errors never qualify: it takes a second run meeting the same answer.
 */
export const STUCK_KEY_SERVER_ERRORS = MAX_POST_ATTEMPTS + 1;

/** The error type of a row whose key looks stuck (results `error_type`). */
export const STUCK_KEY = "stuck_key";

export function isStuckKey(order: OrderState): boolean {
  return order.serverErrorStreak >= STUCK_KEY_SERVER_ERRORS;
}
