// The journal folded into what is known about each order and each row. Pure: replaying the same
// records always gives the same state, which is what makes a re-run after a crash predictable.
import type { JournalRecord, MemberRow, OrderOutcome, RowPayout, RunInput } from "./records.ts";

export type OrderPhase =
  | "planned" // key chosen, never sent
  | "posted" // sent, no answer recorded: outcome unknown
  | "unresolved" // retries ran out: outcome unknown
  | "accepted" // Runa gave an order id, not final yet
  | "rejected" // final 4xx: no order exists
  | "settled"; // COMPLETED or FAILED

export interface OrderState {
  key: string;
  gen: number;
  rows: MemberRow[];
  currency: string;
  body: string;
  phase: OrderPhase;
  plannedAt: string;
  firstPostAt?: string;
  posts: number;
  orderId?: string;
  outcome?: OrderOutcome;
  totalPrice?: string;
  payouts?: RowPayout[];
  error?: { status?: number; type: string; message: string };
  /** Runa 5xx answers for this key since its last other answer from Runa (see "server_error" records). */
  serverErrorStreak: number;
  /** --rekey was given for its rows: the next run sends them under a new key generation. */
  rekeyed?: boolean;
}

export class JournalState {
  readonly orders = new Map<string, OrderState>();
  /** Every order per row fingerprint, oldest first (the last is the row's current one), and the row as that order carries it. */
  readonly #historyOfRow = new Map<string, { keys: string[]; member: MemberRow }>();
  /** Rows replaced by an edited row ordered anew (MemberRow.replaces): their history lives on in it. */
  readonly #replaced = new Set<string>();
  batchId?: string;
  createdAt?: string;
  /** Every run's input, oldest first. */
  readonly runs: { input: RunInput; at: string }[] = [];
  /** Rows the user let go with --accept-changes (see the "released" record). */
  readonly released = new Set<string>();

  static from(records: Iterable<JournalRecord>): JournalState {
    const state = new JournalState();
    for (const record of records) state.apply(record);
    return state;
  }

  apply(record: JournalRecord): void {
    if (record.type === "batch") {
      this.batchId ??= record.batchId;
      this.createdAt ??= record.at;
      return;
    }
    if (record.type === "run") {
      this.runs.push({ input: record.input, at: record.at });
      return;
    }
    if (record.type === "released") {
      for (const fp of record.fps) this.released.add(fp);
      return;
    }
    if (record.type === "order") {
      const { key, gen, rows, currency, body, at } = record;
      this.orders.set(key, { key, gen, rows, currency, body, phase: "planned", plannedAt: at, posts: 0, serverErrorStreak: 0 });
      for (const member of rows) this.#record(member, key);
      return;
    }
    const order = this.orders.get(record.key);
    if (!order) return; // a record for an order whose plan line was torn: it never acted
    switch (record.type) {
      case "post":
        order.posts += 1;
        order.firstPostAt ??= record.at;
        if (order.phase === "planned" || order.phase === "unresolved") order.phase = "posted";
        break;
      case "accepted":
        order.serverErrorStreak = 0;
        order.orderId = record.orderId;
        if (order.phase !== "settled") order.phase = "accepted";
        break;
      case "rejected":
        order.serverErrorStreak = 0;
        order.phase = "rejected";
        order.error = { status: record.status, type: record.errorType, message: record.message };
        break;
      case "unresolved":
        if (order.phase === "posted") order.phase = "unresolved";
        order.error = { type: record.errorType, message: record.message };
        break;
      case "settled":
        order.phase = "settled";
        order.orderId = record.orderId;
        order.outcome = record.status;
        order.payouts = record.payouts;
        if (record.totalPrice !== undefined) order.totalPrice = record.totalPrice;
        break;
      case "server_error":
        order.serverErrorStreak += 1;
        break;
      case "rekey":
        if (order.phase === "posted" || order.phase === "unresolved") order.rekeyed = true;
        break;
    }
  }

  orderOfRow(fingerprint: string): OrderState | undefined {
    const key = this.#historyOfRow.get(fingerprint)?.keys.at(-1);
    return key === undefined ? undefined : this.orders.get(key);
  }

  /** The row as its latest order carries it (its key generation, its place in the file). */
  memberOfRow(fingerprint: string): MemberRow | undefined {
    return this.#historyOfRow.get(fingerprint)?.member;
  }

  /** Every order placed or planned for a row, oldest first: the earlier ones were superseded. */
  ordersOfRow(fingerprint: string): OrderState[] {
    return (this.#historyOfRow.get(fingerprint)?.keys ?? []).flatMap((key) => this.orders.get(key) ?? []);
  }

  /** Every row the journal knows, with its latest order (a row replaced by its edited self is not counted twice). */
  *rows(): Generator<{ member: MemberRow; order: OrderState }> {
    for (const [fp, { keys, member }] of this.#historyOfRow) {
      if (this.#replaced.has(fp)) continue;
      const order = this.orders.get(keys.at(-1)!);
      if (order) yield { member, order };
    }
  }

  #record(member: MemberRow, key: string): void {
    const history = this.#historyOfRow.get(member.fp) ?? { keys: [], member };
    if (history.keys.at(-1) !== key) history.keys.push(key);
    history.member = member;
    const earlier = member.replaces === undefined || member.replaces === member.fp ? undefined : this.#historyOfRow.get(member.replaces);
    if (earlier && !this.#replaced.has(member.replaces!)) {
      this.#replaced.add(member.replaces!);
      history.keys.unshift(...earlier.keys.filter((earlierKey) => !history.keys.includes(earlierKey)));
    }
    this.#historyOfRow.set(member.fp, history);
  }
}
