// The journal folded into what is known about each order and each row. Pure: replaying the same
// records always gives the same state, which is what makes a re-run after a crash predictable.
import type { JournalRecord, MemberRow, OrderOutcome, RowPayout, RunInput } from "./records.ts";
import type { LinePosition } from "./journal-file.ts";
import { recentCache } from "../recent-cache.ts";
import { RowIndex } from "./row-index.ts";

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
const INITIAL_ROWS = 1 << 10;

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
  /** With a source, read back from the order's line when used (see RecordSource). */
  rows: MemberRow[];
  /** How many rows it carries: rows.length, without reading them back. */
  size: number;
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

/** Where an order's lines are in the journal: its "order" record, and its "settled" one once settled. */
type OrderLines = { order?: LinePosition; settled?: LinePosition };

/**
 * A JournalState as data (see toSnapshot): its orders without what stays on disk, and its per-row
 * typed arrays as they are, so state-snapshot.ts can save it and read it back whole.
 */
export interface StateSnapshot {
  data: {
    batchId?: string | undefined;
    createdAt?: string | undefined;
    runs: { input: RunInput; at: string }[];
    released: string[];
    /** In journal order; `fields` are an OrderState's own values (body, rows and payouts stay on disk). */
    orders: { fields: Record<string, unknown>; lines: OrderLines }[];
    earlierOrders: [string, string[]][];
    replaced: string[];
    otherFingerprints: [string, number][];
  };
  arrays: {
    words: Uint32Array<ArrayBuffer>;
    slots: Int32Array<ArrayBuffer>;
    orderOfRow: Int32Array<ArrayBuffer>;
    placeOfRow: Uint32Array<ArrayBuffer>;
    generationOfRow: Uint32Array<ArrayBuffer>;
  };
}

export class JournalState {
  readonly orders = new Map<string, OrderState>();
  /**
   * Per row, compactly (see RowIndex): its latest order (a later generation replaces an earlier
   * one) as an index into #orderList, its place among that order's rows, and its key generation.
   * A million rows take ~60 MB of typed arrays instead of an object and a Map entry each.
   */
  #rowIndex = new RowIndex();
  #orderOfRow = new Int32Array(INITIAL_ROWS);
  #placeOfRow = new Uint32Array(INITIAL_ROWS);
  #generationOfRow = new Uint32Array(INITIAL_ROWS);
  /** Every order record folded, in journal order: what a row's entry points at. */
  readonly #orderList: OrderState[] = [];
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
  /** Where each order's fields kept on disk are read back from (for toSnapshot). */
  readonly #lines = new Map<OrderState, OrderLines>();

  constructor(source?: RecordSource) {
    this.#source = source;
    this.#readBack = source && recentCache(READ_BACK_CACHED_LINES, (at: LinePosition) => source.recordAt(at));
  }

  static from(records: Iterable<JournalRecord>, source?: RecordSource): JournalState {
    const state = new JournalState(source);
    for (const record of records) state.apply(record);
    return state;
  }

  /**
   * The state as data, for a snapshot saved beside its journal: what fromSnapshot needs to be this
   * state again. Undefined unless every body, member list and payout list stays on disk (a state
   * read from its journal file), so a snapshot never holds a body or a redemption link.
   */
  toSnapshot(): StateSnapshot | undefined {
    const orders: StateSnapshot["data"]["orders"] = [];
    for (const order of this.#orderList) {
      const fields: Record<string, unknown> = {};
      for (const [field, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(order)))
        if ("value" in descriptor) fields[field] = descriptor.value; // getters (see #keepOnDisk) are not read
      const lines = this.#lines.get(order);
      if (!lines?.order || "body" in fields || "rows" in fields || "payouts" in fields) return undefined;
      orders.push({ fields, lines });
    }
    const size = this.#rowIndex.size;
    const { words, slots, others } = this.#rowIndex.toSnapshot();
    return {
      data: {
        batchId: this.batchId,
        createdAt: this.createdAt,
        runs: this.runs,
        released: [...this.released],
        orders,
        earlierOrders: [...this.#earlierOrders],
        replaced: [...this.#replaced],
        otherFingerprints: others,
      },
      arrays: {
        words,
        slots,
        orderOfRow: this.#orderOfRow.subarray(0, size),
        placeOfRow: this.#placeOfRow.subarray(0, size),
        generationOfRow: this.#generationOfRow.subarray(0, size),
      },
    };
  }

  /** The state toSnapshot described, reading what stays on disk from `source`; throws on data that cannot be one. */
  static fromSnapshot(snapshot: StateSnapshot, source: RecordSource): JournalState {
    const { data, arrays } = snapshot;
    const state = new JournalState(source);
    if (data.batchId !== undefined) state.batchId = data.batchId;
    if (data.createdAt !== undefined) state.createdAt = data.createdAt;
    state.runs.push(...data.runs);
    for (const fp of data.released) state.released.add(fp);
    for (const { fields, lines } of data.orders) {
      const order = { ...fields } as unknown as OrderState;
      if (!lines.order) throw new Error(`no journal line for order ${order.key}`);
      state.#readFromLine(order, "body", "order", lines.order);
      state.#readFromLine(order, "rows", "order", lines.order);
      if (lines.settled) state.#readFromLine(order, "payouts", "settled", lines.settled);
      state.orders.set(order.key, order);
      state.#orderList.push(order);
    }
    state.#rowIndex = RowIndex.fromSnapshot({ ...arrays, others: data.otherFingerprints });
    const size = state.#rowIndex.size;
    if ([arrays.orderOfRow, arrays.placeOfRow, arrays.generationOfRow].some((array) => array.length !== size))
      throw new Error("row arrays of another size than the row index");
    if (arrays.orderOfRow.some((order) => order < 0 || order >= state.#orderList.length))
      throw new Error("a row of an order the snapshot does not hold");
    state.#orderOfRow = grown(arrays.orderOfRow, size);
    state.#placeOfRow = grown(arrays.placeOfRow, size);
    state.#generationOfRow = grown(arrays.generationOfRow, size);
    for (const [fp, keys] of data.earlierOrders) state.#earlierOrders.set(fp, keys);
    for (const fp of data.replaced) state.#replaced.add(fp);
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
        size: rows.length,
      };
      this.#keepOnDisk(order, "body", record);
      this.#keepOnDisk(order, "rows", record);
      this.orders.set(key, order);
      const number = this.#orderList.push(order) - 1;
      rows.forEach((member, place) => this.#record(member, number, place));
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
    return this.orderOfRowId(this.#rowIndex.find(fingerprint));
  }

  /** The row as its latest order carries it (its key generation, its place in the file). */
  memberOfRow(fingerprint: string): MemberRow | undefined {
    const entry = this.#rowIndex.find(fingerprint);
    return entry === -1 ? undefined : this.#memberAt(entry, fingerprint);
  }

  /** The key generation the row's latest order sent it under (memberOfRow's gen, without reading it back). */
  generationOfRow(fingerprint: string): number | undefined {
    return this.generationOfRowId(this.#rowIndex.find(fingerprint));
  }

  /** The row's number among the rows the journal knows (0 … rowCount - 1; as rows() gives it), or -1. */
  rowId(fingerprint: string): number {
    return this.#rowIndex.find(fingerprint);
  }

  /** orderOfRow by the row's id (one fingerprint lookup for several questions). */
  orderOfRowId(id: number): OrderState | undefined {
    return id < 0 || id >= this.#rowIndex.size
      ? undefined
      : this.orders.get(this.#orderList[this.#orderOfRow[id]!]!.key);
  }

  /** generationOfRow by the row's id. */
  generationOfRowId(id: number): number | undefined {
    return id < 0 || id >= this.#rowIndex.size ? undefined : this.#generationOfRow[id];
  }

  /** Every order placed or planned for a row, oldest first: all but the last were superseded. */
  ordersOfRow(fingerprint: string): OrderState[] {
    const entry = this.#rowIndex.find(fingerprint);
    if (entry === -1) return [];
    const latest = this.orders.get(this.#orderList[this.#orderOfRow[entry]!]!.key);
    const earlier = this.#earlierOrders.get(fingerprint);
    // Most rows have one order: asked for every row of a results pass, so no arrays beyond the answer.
    if (earlier === undefined) return latest ? [latest] : [];
    return [...earlier.flatMap((key) => this.orders.get(key) ?? []), ...(latest ? [latest] : [])];
  }

  /**
   * Every row the journal knows, with its latest order (a row replaced by its edited self is not
   * counted twice). Its fingerprint and `member` are made or read back only when asked for.
   */
  *rows(): Generator<JournalRow> {
    const index = this.#rowIndex;
    const checkReplaced = this.#replaced.size > 0;
    for (let id = 0; id < index.size; id += 1) {
      if (checkReplaced && this.#replaced.has(index.fingerprintOf(id))) continue;
      const order = this.orderOfRowId(id);
      if (order) yield new JournalRow(this, id, order);
    }
  }

  /** The fingerprint of a row known by its id. */
  fingerprintOfRowId(id: number): string {
    return this.#rowIndex.fingerprintOf(id);
  }

  /** memberOfRow by the row's id. */
  memberOfRowId(id: number): MemberRow {
    return this.#memberAt(id, this.#rowIndex.fingerprintOf(id));
  }

  /** How many distinct rows the journal knows (replaced ones included). */
  get rowCount(): number {
    return this.#rowIndex.size;
  }

  #memberAt(entry: number, fingerprint: string): MemberRow {
    const member = this.#orderList[this.#orderOfRow[entry]!]!.rows[this.#placeOfRow[entry]!];
    if (member?.fp !== fingerprint)
      throw new Error(`journal order rows changed under this run: row ${fingerprint} is not where it was read`);
    return member;
  }

  /** With a source, `field` becomes a getter reading the record's line back (checked, and cached for a few lines). */
  #keepOnDisk(
    order: OrderState,
    field: "body" | "rows" | "payouts",
    record: Extract<JournalRecord, { type: "order" | "settled" }>,
  ): void {
    const at = this.#source?.positionOf(record);
    if (at) this.#readFromLine(order, field, record.type, at);
  }

  #readFromLine(order: OrderState, field: "body" | "rows" | "payouts", type: keyof OrderLines, at: LinePosition): void {
    if (!this.#readBack) return;
    const readBack = this.#readBack;
    const key = order.key;
    this.#lines.set(order, { ...this.#lines.get(order), [type]: at });
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

  #record(member: MemberRow, orderNumber: number, place: number): void {
    const { fp, replaces } = member;
    const key = this.#orderList[orderNumber]!.key;
    const known = this.#rowIndex.size;
    const entry = this.#rowIndex.add(fp);
    if (entry < known) {
      const previous = this.#orderList[this.#orderOfRow[entry]!]!.key;
      if (previous !== key) this.#earlierOrders.set(fp, [...(this.#earlierOrders.get(fp) ?? []), previous]);
    } else if (entry >= this.#orderOfRow.length) {
      this.#orderOfRow = grown(this.#orderOfRow, entry);
      this.#placeOfRow = grown(this.#placeOfRow, entry);
      this.#generationOfRow = grown(this.#generationOfRow, entry);
    }
    this.#orderOfRow[entry] = orderNumber;
    this.#placeOfRow[entry] = place;
    this.#generationOfRow[entry] = member.gen;
    const replaced =
      replaces === undefined || replaces === fp || this.#replaced.has(replaces)
        ? undefined
        : this.orderOfRow(replaces)?.key;
    if (replaced !== undefined) {
      this.#replaced.add(replaces!);
      const inherited = [...(this.#earlierOrders.get(replaces!) ?? []), replaced].filter((earlier) => earlier !== key);
      this.#earlierOrders.set(fp, [...inherited, ...(this.#earlierOrders.get(fp) ?? [])]);
    }
  }
}

/** One row as JournalState.rows() gives it: a class, so a million of them cost the GC little. */
export class JournalRow {
  constructor(
    readonly journal: JournalState,
    readonly id: number,
    readonly order: OrderState,
  ) {}

  get fp(): string {
    return this.journal.fingerprintOfRowId(this.id);
  }

  get member(): MemberRow {
    return this.journal.memberOfRowId(this.id);
  }
}

/** A copy of `array` with room for index `needed` (doubling). */
function grown<T extends Int32Array | Uint32Array>(array: T, needed: number): T {
  let length = Math.max(array.length, INITIAL_ROWS);
  while (length <= needed) length *= 2;
  const copy = new (array.constructor as new (length: number) => T)(length);
  copy.set(array);
  return copy;
}
