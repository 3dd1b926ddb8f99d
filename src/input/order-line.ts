// One valid input row, normalised: what the run pipeline turns into an order item, and the
// fingerprint that names the row across runs (the idempotency key is derived from it).
import { hash } from "node:crypto";
import type { DistributionMethod, ProductSelection } from "../runa/types.ts";

export interface OrderLine {
  /** Canonical two places, e.g. "10.00". */
  amount: string;
  /** Upper-case ISO 4217; equal to the product's currency (TEMPLATE: as the row states it). */
  currency: string;
  products: ProductSelection;
  /** The email is trimmed and lower-cased. */
  distribution: DistributionMethod;
  description?: string;
  reference?: string;
  /**
   * A country every product of the row is redeemable in (the first shared one, in the first
   * product's order): Runa wants one currency and one country per order, so rows are grouped by it.
   * "" for TEMPLATE rows: Runa lists no templates, so their country is unknown; give such a row an
   * order of its own or group it only with rows of the same template id.
   */
  country: string;
  /** sha256 hex of the row's identity (see `fingerprintText`); occurrence index folded in when duplicates are allowed. */
  fingerprint: string;
  /** What the row pays to whom, whatever identifies it (see `contentIdentity`): the ledger's key across batches. */
  contentId: string;
}

/**
 * The identity-defining fields of a row, already normalised. `email` is the row's email even for a
 * PAYOUT_LINK row (where it is only carried along): two payout links for two different people are
 * two rows, not a duplicate.
 */
export type FingerprintFields = Pick<
  OrderLine,
  "amount" | "currency" | "products" | "distribution" | "description" | "reference"
> & {
  /** Trimmed, lower-cased; "" when the row has none. */
  email: string;
};

/**
 * The canonical text a row's fingerprint hashes. Rules:
 * - with a `reference`, the reference alone is the row's identity (the caller's own id): correcting
 *   a typo in the amount of reference E-17 between runs must not become a second payment to E-17;
 *   the journal then sees a changed body for the same key and refuses, which is the safe outcome;
 * - without one, the order-defining content: amount (two places), currency, product selection
 *   (MULTIPLE codes in file order: order matters to the order), distribution type and email,
 *   description. An email or reference is compared trimmed and lower-cased / trimmed by the caller. Column order and extra columns play no part.
 * JSON arrays make the encoding unambiguous (no field can forge a separator).
 */
/** A row with a reference is identified by it alone (so an edit of its other cells is recognised). */
export function referenceFingerprintText(reference: string): string {
  return JSON.stringify(["runa-batch/row/v1", "reference", reference]);
}

export function fingerprintText(fields: FingerprintFields): string {
  if (fields.reference !== undefined) return referenceFingerprintText(fields.reference);
  return JSON.stringify(["runa-batch/row/v1", ...contentFields(fields)]);
}

/** What a row pays to whom, in a fixed order: the fields both identities below are made of. */
function contentFields(fields: FingerprintFields): string[] {
  const products = fields.products;
  const selection =
    products.type === "SINGLE"
      ? products.value
      : products.type === "MULTIPLE"
        ? products.values.join("|")
        : products.template_id;
  return [
    fields.amount,
    fields.currency,
    products.type,
    selection,
    fields.distribution.type,
    fields.email,
    fields.description ?? "",
  ];
}

/**
 * Who gets what, independent of how the row is identified: amount, currency, products,
 * distribution, recipient email and description; the reference only for a row with no email (a
 * payout link for nobody in particular, where the reference is all that tells two rows apart).
 * Two rows with the same content identity in two batches pay the same person the same thing:
 * within the repeat window that is refused as a likely double payment. 64 bits of sha256: a
 * collision would only cause a refusal, the safe direction.
 */
export function contentIdentity(fields: FingerprintFields): string {
  const text = JSON.stringify([
    "runa-batch/content/v1",
    ...contentFields(fields),
    fields.email === "" ? (fields.reference ?? "") : "",
  ]);
  return sha256Hex(text).slice(0, 16);
}

/**
 * A valid row's OrderLine whose content identity is hashed when first read. Only planning a new row
 * reads it (the ledger's key across batches): validation, a re-run's planning and the results pass
 * check every row without it, one sha256 a row saved on each.
 */
export class CheckedOrderLine implements OrderLine {
  readonly amount: string;
  readonly currency: string;
  readonly products: ProductSelection;
  readonly distribution: DistributionMethod;
  readonly country: string;
  readonly fingerprint: string;
  // Own properties only when the row has them, as on the plain object this replaced.
  declare readonly description?: string;
  declare readonly reference?: string;
  readonly #fields: FingerprintFields;
  #contentId: string | undefined;

  constructor(line: Omit<OrderLine, "fingerprint" | "contentId">, fingerprint: string, fields: FingerprintFields) {
    this.amount = line.amount;
    this.currency = line.currency;
    this.products = line.products;
    this.distribution = line.distribution;
    this.country = line.country;
    this.fingerprint = fingerprint;
    if (line.description !== undefined) (this as { description?: string }).description = line.description;
    if (line.reference !== undefined) (this as { reference?: string }).reference = line.reference;
    this.#fields = fields;
  }

  get contentId(): string {
    return (this.#contentId ??= contentIdentity(this.#fields));
  }
}

export function sha256Hex(text: string): string {
  // One-shot hash (Node >= 20.12): no Hash object per row.
  return hash("sha256", text, "hex");
}

export function fingerprint(fields: FingerprintFields): string {
  return sha256Hex(fingerprintText(fields));
}

/**
 * With --allow-duplicates the k-th repeat (k >= 1) of a fingerprint gets its own one. The first
 * occurrence keeps the plain fingerprint, so a file without repeats gets the same keys with or
 * without the flag (a re-run that forgets the flag must not re-key, and so re-pay, every row).
 */
export function occurrenceFingerprint(base: string, occurrence: number): string {
  return occurrence === 0 ? base : sha256Hex(`${base}#${occurrence}`);
}

/** The first 64 bits of a hex sha256, as two uint32. */
function bitsOf(hexFingerprint: string): [number, number] {
  return [
    Number.parseInt(hexFingerprint.slice(0, 8), 16) >>> 0,
    Number.parseInt(hexFingerprint.slice(8, 16), 16) >>> 0,
  ];
}

/**
 * Remembers which fingerprints a file has shown, in 12 bytes a slot: 64 bits of the sha256 (two
 * uint32) and the row that showed it first, in one open-addressing table of typed arrays (no object
 * per row, so the GC never walks them): 1,000,000 rows take 2^21 slots = 24 MiB. Repeat counts live in
 * a small map, since repeats are rare. Two different rows sharing 64 bits is ~3e-8 likely at a
 * million rows; it would only report a false "duplicate" (the safe direction: nothing is ordered).
 */
export class FingerprintIndex {
  static readonly #INITIAL_SLOTS = 1 << 12;
  static readonly #WORDS = 3;
  /** Per slot: [hash high, hash low, first row (0 = empty)]. */
  #slots = new Uint32Array(FingerprintIndex.#INITIAL_SLOTS * FingerprintIndex.#WORDS);
  #mask = FingerprintIndex.#INITIAL_SLOTS - 1;
  #count = 0;
  /** Occurrences so far, by first row, for fingerprints seen more than once. */
  readonly #repeats = new Map<number, number>();

  /**
   * Records one occurrence of `hexFingerprint` on `row` (>= 1). Returns undefined the first time;
   * afterwards the row it first appeared on and this occurrence's index (1 for the first repeat).
   */
  add(hexFingerprint: string, row: number): { row: number; occurrence: number } | undefined {
    const [high, low] = bitsOf(hexFingerprint);
    const at = this.#probe(high, low);
    const slots = this.#slots;
    const first = slots[at + 2] ?? 0;
    if (first === 0) {
      slots[at] = high;
      slots[at + 1] = low;
      slots[at + 2] = row;
      if (++this.#count * 10 > (this.#mask + 1) * 7) this.#grow();
      return undefined;
    }
    const occurrence = this.#repeats.get(first) ?? 1;
    this.#repeats.set(first, occurrence + 1);
    return { row: first, occurrence };
  }

  /** The row that first showed `hexFingerprint`, if any (looks only, never adds). */
  rowOf(hexFingerprint: string): number | undefined {
    const [high, low] = bitsOf(hexFingerprint);
    return this.#slots[this.#probe(high, low) + 2] || undefined;
  }

  /** Where these 64 bits sit in the table, or the empty slot where they would go. */
  #probe(high: number, low: number): number {
    const slots = this.#slots;
    for (let slot = low & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const at = slot * FingerprintIndex.#WORDS;
      if ((slots[at + 2] ?? 0) === 0 || (slots[at] === high && slots[at + 1] === low)) return at;
    }
  }

  /** Every fingerprint held, as the hex it was added as (its 64 bits). */
  *fingerprints(): Generator<string> {
    const slots = this.#slots;
    for (let at = 0; at < slots.length; at += FingerprintIndex.#WORDS) {
      if ((slots[at + 2] ?? 0) === 0) continue;
      yield (slots[at] ?? 0).toString(16).padStart(8, "0") + (slots[at + 1] ?? 0).toString(16).padStart(8, "0");
    }
  }

  /** How many distinct fingerprints it holds. */
  get size(): number {
    return this.#count;
  }

  /** Bytes held by the table (for the benchmark's report). */
  get bytes(): number {
    return this.#slots.byteLength;
  }

  #grow(): void {
    const words = FingerprintIndex.#WORDS;
    const old = this.#slots;
    const size = (this.#mask + 1) * 2;
    this.#slots = new Uint32Array(size * words);
    this.#mask = size - 1;
    for (let at = 0; at < old.length; at += words) {
      if (old[at + 2] === 0) continue;
      let slot = (old[at + 1] ?? 0) & this.#mask;
      while (this.#slots[slot * words + 2] !== 0) slot = (slot + 1) & this.#mask;
      this.#slots.set(old.subarray(at, at + words), slot * words);
    }
  }
}
