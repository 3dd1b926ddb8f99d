// What the journal records, one line each, before and after every external effect.
// Field names are short and stable: old journals must stay readable by new versions.

export type OrderOutcome = "COMPLETED" | "FAILED";

/** The rows an order carries, by fingerprint, with where they stood in the file when it was planned. */
export interface MemberRow {
  fp: string;
  /** The key generation this row was sent under (its own key, also when it shares a grouped order). */
  gen: number;
  row: number;
  ref?: string;
  /**
   * The fingerprint of the row this one replaces: a row without a reference, paid, then edited in
   * place and ordered anew with --accept-changes. Its orders join this row's history.
   */
  replaces?: string;
  /**
   * The row's content identity (recipient, amount, product; see contentIdentity), indexed across
   * batches by the ledger. Absent in journals written before the ledger existed.
   */
  cid?: string;
}

/** What a run was given: the input file as it was read (a snapshot of it is what the run used). */
export interface RunInput {
  /** Absolute path. */
  path: string;
  size: number;
  /** sha256 hex of the bytes. */
  sha256: string;
  /** Last modification time (ISO) when the run read it. */
  mtime: string;
}

/** The payout one row got, matched from the order's items by content. */
export interface RowPayout {
  fp: string;
  itemId?: string;
  url?: string;
  payoutStatus?: string;
  expiryDate?: string | null;
  price?: string;
}

export type JournalRecord =
  | { type: "batch"; v: 1; batchId: string; at: string }
  /** A run started on this batch: which file it read. Checked so a batch is never continued from another period's file. */
  | { type: "run"; input: RunInput; at: string }
  /**
   * The user let rows go that an earlier run may have paid and that the file no longer holds
   * (--accept-changes): they no longer hold back new rows. Their orders stand and stay accounted.
   */
  | { type: "released"; fps: string[]; at: string }
  /** Key chosen and body fixed, before any POST. The body is kept so a re-post is byte-identical. */
  | { type: "order"; key: string; gen: number; rows: MemberRow[]; currency: string; body: string; at: string }
  /** About to send a POST: from here until an answer is recorded, the outcome is unknown. */
  | { type: "post"; key: string; attempt: number; at: string }
  | { type: "accepted"; key: string; orderId: string; at: string }
  /** A final 4xx: Runa created no order, and replays this answer for the key for 30 days. */
  | { type: "rejected"; key: string; status: number; errorType: string; message: string; at: string }
  /** Transient failures outlasted the retries: the outcome stays unknown and the key must be reused. */
  | { type: "unresolved"; key: string; errorType: string; message: string; at: string }
  | {
      type: "settled";
      key: string;
      orderId: string;
      status: OrderOutcome;
      totalPrice?: string;
      payouts: RowPayout[];
      at: string;
    }
  /**
   * Runa answered this key with a 5xx in its own error shape. Runa stores and replays a key's answer
   * for 30 days, 5xx included, so an unbroken run of these across runs means the key is stuck.
   */
  | { type: "server_error"; key: string; status: number; errorType: string; at: string }
  /** The user chose (--rekey) to re-send this unknown-outcome order's rows under a new key generation. */
  | { type: "rekey"; key: string; at: string };
