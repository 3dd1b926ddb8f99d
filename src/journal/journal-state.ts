// The journal folded into what is known about each order and each row. Pure: replaying the same
// records always gives the same state, which is what makes a re-run after a crash predictable.
import type { JournalRecord, MemberRow, OrderOutcome, RowPayout, RunInput } from "./records.ts";
import type { LinePosition } from "./journal-file.ts";
import { recentCache } from "../recent-cache.ts";

/**
 * The journal file behind the records, when there is one: an order's body and a settled order's
 * payouts (most of a journal's bytes) are then read back from their line when used, not held in
 * memory for every order of a million-row batch.
 */
export interface RecordSource {
  positionOf(record: JournalRecord): LinePosition | undefined;
  recordAt(at: LinePosition): JournalRecord;
}

/** Lines read back at once: a results pass walks a few orders' rows at a time. */
const READ_BACK_CACHED_LINES = 64;

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
  /** Latest order per row fingerprint (a later generation replaces an earlier one), and the row as that order carries it. */
  readonly #latestOfRow = new Map<string, { key: string; member: MemberRow }>();
  /** The earlier orders of the few rows that have more than one, oldest first: one map entry per such row, none for the rest. */
  readonly #earlierOrders = new Map<string, string[]>();
  /** Rows replaced by an edited row ordered anew (MemberRow.replaces): their history lives on in it. */
  readonly #replaced = new Set<string>();
  batchId?: string;
  createdAt?: string;
  /** Every run's input, oldest first. */
  readonly runs: { input: RunInput; at: string }[] = [];
  /** Rows the user let go with --accept-changes (see the "released" record). */
  readonly released = new Set<string>();
  readonly #source: RecordSource | undefined;
  readonly #readBack: ((at: LinePosition) => JournalRecord) | undefined;

  constructor(source?: RecordSource) {
    this.#source = source;
    this.#readBack = source && recentCache(READ_BACK_CACHED_LINES, (at: LinePosition) => source.recordAt(at));
  }

  static from(records: Iterable<JournalRecord>, source?: RecordSource): JournalState {
    const state = new JournalState(source);
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
      const order: OrderState = {
        key,
        gen,
        rows,
        currency,
        body,
        phase: "planned",
        plannedAt: at,
        posts: 0,
        serverErrorStreak: 0,
      };
      this.#keepOnDisk(order, "body", record);
      this.orders.set(key, order);
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
        this.#keepOnDisk(order, "payouts", record);
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
    const latest = this.#latestOfRow.get(fingerprint);
    return latest === undefined ? undefined : this.orders.get(latest.key);
  }

  /** The row as its latest order carries it (its key generation, its place in the file). */
  memberOfRow(fingerprint: string): MemberRow | undefined {
    return this.#latestOfRow.get(fingerprint)?.member;
  }

  /** Every order placed or planned for a row, oldest first: all but the last were superseded. */
  ordersOfRow(fingerprint: string): OrderState[] {
    const latest = this.#latestOfRow.get(fingerprint);
    if (latest === undefined) return [];
    return [...(this.#earlierOrders.get(fingerprint) ?? []), latest.key].flatMap((key) => this.orders.get(key) ?? []);
  }

  /** Every row the journal knows, with its latest order (a row replaced by its edited self is not counted twice). */
  *rows(): Generator<{ member: MemberRow; order: OrderState }> {
    for (const [fp, { key, member }] of this.#latestOfRow) {
      if (this.#replaced.has(fp)) continue;
      const order = this.orders.get(key);
      if (order) yield { member, order };
    }
  }

  /** With a source, `field` becomes a getter reading the record's line back (checked, and cached for a few lines). */
  #keepOnDisk(
    order: OrderState,
    field: "body" | "payouts",
    record: Extract<JournalRecord, { type: "order" | "settled" }>,
  ): void {
    const at = this.#source?.positionOf(record);
    if (!at || !this.#readBack) return;
    const readBack = this.#readBack;
    const { type, key } = record;
    Object.defineProperty(order, field, {
      enumerable: true,
      configurable: true,
      get: () => {
        const again = readBack(at);
        if (again.type !== type || again.key !== key)
          throw new Error(`journal line at byte ${at.offset} is not the ${type} record of ${key}`);
        return again[field as keyof typeof again];
      },
    });
  }

  #record(member: MemberRow, key: string): void {
    const { fp, replaces } = member;
    const previous = this.#latestOfRow.get(fp)?.key;
    if (previous !== undefined && previous !== key)
      this.#earlierOrders.set(fp, [...(this.#earlierOrders.get(fp) ?? []), previous]);
    this.#latestOfRow.set(fp, { key, member });
    const replaced =
      replaces === undefined || replaces === fp || this.#replaced.has(replaces)
        ? undefined
        : this.#latestOfRow.get(replaces)?.key;
    if (replaced !== undefined) {
      this.#replaced.add(replaces!);
      const inherited = [...(this.#earlierOrders.get(replaces!) ?? []), replaced].filter((earlier) => earlier !== key);
      this.#earlierOrders.set(fp, [...inherited, ...(this.#earlierOrders.get(fp) ?? [])]);
    }
  }
}
