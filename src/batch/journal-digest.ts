// What `status <batch-id>` says about a batch's journal: counts of orders and rows by phase, and
// what a re-run would do with them. Folding a million-row journal takes most of a minute, so a run
// leaves these counts beside the journal when it ends (`<batch>.status.json`), used only while the
// journal is exactly as it was counted (see beside-journal.ts): the journal is the truth, never the digest.
import { rmSync } from "node:fs";
import type { JournalState, OrderPhase, OrderState } from "../journal/journal-state.ts";
import type { RunInput } from "../journal/records.ts";
import { loadBesideJournal, saveBesideJournal } from "../journal/beside-journal.ts";
import { isRepostExpired, planRowId, type RowPlan } from "./plan-row.ts";

export interface JournalDigest {
  createdAt?: string;
  lastRun?: { at: string; input: RunInput };
  /** Orders by phase (a final 4xx with its error type), in the order first met. */
  orders: [string, number][];
  /** Rows by their latest order's phase. */
  rows: [string, number][];
  /** What a re-run would do with the journal's rows. */
  next: Partial<Record<RowPlan["action"], number>>;
}

const PHASE_LABELS: Record<OrderPhase, string> = {
  planned: "planned, never sent",
  posted: "sent, no answer recorded",
  unresolved: "sent, retries ran out (outcome unknown)",
  accepted: "accepted, not final yet",
  rejected: "rejected (final 4xx)",
  settled: "settled",
};

function phaseLabel(order: OrderState): string {
  return order.phase === "settled" ? (order.outcome ?? "FAILED") : PHASE_LABELS[order.phase];
}

/**
 * The digest of a folded journal, and the orders a re-run would re-send with the same key although
 * Runa may have forgotten it (first sent over 29 days before `now`). `resent` counts the orders a
 * re-run would re-send that were sent before: while there are any, whether they are past Runa's
 * window depends on the day, so such a digest is never saved.
 */
export function digestJournal(
  journal: JournalState,
  now: number,
): { digest: JournalDigest; expired: OrderState[]; resent: number } {
  const orders = new Map<string, number>();
  const rows = new Map<string, number>();
  const next: Partial<Record<RowPlan["action"], number>> = {};
  const resent = new Map<string, OrderState>();
  const expired = new Map<string, OrderState>();
  for (const order of journal.orders.values()) {
    const label = phaseLabel(order);
    const detail = order.phase === "rejected" && order.error ? `${label}: ${order.error.type}` : label;
    orders.set(detail, (orders.get(detail) ?? 0) + 1);
  }
  for (const { id, order } of journal.rows()) {
    const label = phaseLabel(order);
    rows.set(label, (rows.get(label) ?? 0) + 1);
    const action = planRowId(id, journal).action;
    next[action] = (next[action] ?? 0) + 1;
    if (action === "repost" && order.firstPostAt !== undefined) resent.set(order.key, order);
    if (action === "repost" && isRepostExpired(order, now)) expired.set(order.key, order);
  }
  const digest: JournalDigest = { orders: [...orders], rows: [...rows], next };
  if (journal.createdAt !== undefined) digest.createdAt = journal.createdAt;
  const last = journal.runs.at(-1);
  if (last) digest.lastRun = last;
  return { digest, expired: [...expired.values()], resent: resent.size };
}

/** Where a journal's digest is kept: beside it. */
export function digestPath(journalPath: string): string {
  return `${journalPath.replace(/\.journal\.jsonl$/, "")}.status.json`;
}

/** 2: the digest is one checksummed line (encodeLine); version 1, plain JSON, is folded again. */
const DIGEST_VERSION = 2;

/**
 * Saves the digest of a journal no one is writing to (the caller holds the batch's lock and has
 * closed it). Not saved when a re-run's plan would depend on the day (see digestJournal); a stale
 * digest is removed first, so a failure here leaves none rather than a wrong one.
 */
export function saveDigest(journalPath: string, journal: JournalState): void {
  const path = digestPath(journalPath);
  rmSync(path, { force: true });
  const { digest, resent } = digestJournal(journal, Date.now());
  if (resent > 0) return;
  saveBesideJournal(path, journalPath, { v: DIGEST_VERSION, digest });
}

/** saveDigest, for the end of a run: a digest that cannot be saved only makes `status` fold the journal. */
export function saveDigestIfPossible(journalPath: string, journal: JournalState): void {
  try {
    saveDigest(journalPath, journal);
  } catch {
    // e.g. a full disk: status reads the journal itself, which is the truth anyway
  }
}

/** The saved digest of the journal at `journalPath`, only if the journal is exactly as it was counted. */
export function loadDigest(journalPath: string): JournalDigest | undefined {
  const saved = loadBesideJournal(digestPath(journalPath), journalPath)?.header;
  if (saved?.v !== DIGEST_VERSION || typeof saved.digest !== "object") return undefined;
  return saved.digest as JournalDigest;
}
