// Row fingerprints -> small integers ("entries", 0, 1, 2 … in the order first seen), for the
// journal's per-row state at a million rows. A sha256 fingerprint is kept whole, as its 256 bits in
// eight uint32 (32 bytes; its hex string costs ~100 bytes as a JS string, plus a Map entry), and
// found through an open-addressing table of typed arrays: no object per row, so the GC never walks
// them. Equality is on all 256 bits, never a prefix: two rows are one entry only when their
// fingerprints are equal. Anything that is not a lowercase sha256 hex (tests, hand-written
// journals) goes to a plain Map: correct at any size, compact only for real fingerprints.

const WORDS = 8;
const HEX_LENGTH = WORDS * 8;
const INITIAL_ENTRIES = 1 << 10;
/** Per char code, its value as a lowercase hex digit, else -1 (uppercase is another fingerprint). */
const HEX_VALUE = Int8Array.from({ length: 128 }, (_, code) =>
  code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : -1,
);
/** Each byte as two hex digits. */
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export interface RowIndexSnapshot {
  words: Uint32Array<ArrayBuffer>;
  slots: Int32Array<ArrayBuffer>;
  others: [string, number][];
}

export class RowIndex {
  /** Per entry, its fingerprint's eight words (zeros for an entry kept in #others). */
  #words = new Uint32Array(INITIAL_ENTRIES * WORDS);
  /** Open addressing: entry + 1 per slot, 0 = empty. Kept at most half full. */
  #slots = new Int32Array(INITIAL_ENTRIES * 2);
  #mask = INITIAL_ENTRIES * 2 - 1;
  #size = 0;
  /** Fingerprints that are not sha256 hex, and the reverse, by entry. */
  readonly #others = new Map<string, number>();
  readonly #otherNames = new Map<number, string>();
  /** Scratch words for the fingerprint being looked up (no array per call). */
  readonly #probe = new Uint32Array(WORDS);

  /** How many fingerprints are known. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held by the typed arrays (for tests and the benchmark). */
  get bytes(): number {
    return this.#words.byteLength + this.#slots.byteLength;
  }

  /**
   * The table as data, for a snapshot of the journal's state (state-snapshot.ts): taken as it is,
   * so reading it back hashes nothing.
   */
  toSnapshot(): RowIndexSnapshot {
    return { words: this.#words.subarray(0, this.#size * WORDS), slots: this.#slots, others: [...this.#others] };
  }

  /** The index toSnapshot described; throws if the data cannot be such a table. */
  static fromSnapshot(snapshot: RowIndexSnapshot): RowIndex {
    const { words, slots, others } = snapshot;
    const size = words.length / WORDS;
    const slotCount = slots.length;
    if (!Number.isInteger(size) || slotCount < size * 2 || slotCount < 2 || (slotCount & (slotCount - 1)) !== 0)
      throw new Error("not a row index");
    const index = new RowIndex();
    index.#words = new Uint32Array(Math.max(words.length, INITIAL_ENTRIES * WORDS));
    index.#words.set(words);
    index.#slots = slots;
    index.#mask = slotCount - 1;
    index.#size = size;
    for (const [fingerprint, entry] of others) {
      index.#others.set(fingerprint, entry);
      index.#otherNames.set(entry, fingerprint);
    }
    return index;
  }

  /** The entry of `fingerprint`, or -1. */
  find(fingerprint: string): number {
    if (!this.#parse(fingerprint)) return this.#others.get(fingerprint) ?? -1;
    return (this.#slots[this.#slotOfProbe()] ?? 0) - 1;
  }

  /** The entry of `fingerprint`, a new one (the next integer) if it was not known. */
  add(fingerprint: string): number {
    if (!this.#parse(fingerprint)) {
      const known = this.#others.get(fingerprint);
      if (known !== undefined) return known;
      const entry = this.#newEntry();
      this.#others.set(fingerprint, entry);
      this.#otherNames.set(entry, fingerprint);
      return entry;
    }
    const slot = this.#slotOfProbe();
    const known = this.#slots[slot] ?? 0;
    if (known !== 0) return known - 1;
    const entry = this.#newEntry();
    this.#words.set(this.#probe, entry * WORDS);
    this.#slots[slot] = entry + 1;
    if (this.#size * 2 > this.#mask + 1) this.#growSlots();
    return entry;
  }

  /** The fingerprint of an entry, as the hex (or other) string it was added as. */
  fingerprintOf(entry: number): string {
    if (entry < 0 || entry >= this.#size) throw new RangeError(`no row entry ${entry}`);
    const other = this.#otherNames.get(entry);
    if (other !== undefined) return other;
    let hex = "";
    for (let word = 0; word < WORDS; word += 1) {
      const value = this.#words[entry * WORDS + word] ?? 0;
      hex += `${BYTE_HEX[value >>> 24]}${BYTE_HEX[(value >>> 16) & 0xff]}${BYTE_HEX[(value >>> 8) & 0xff]}${BYTE_HEX[value & 0xff]}`;
    }
    return hex;
  }

  #newEntry(): number {
    const entry = this.#size;
    if ((entry + 1) * WORDS > this.#words.length) {
      const grown = new Uint32Array(this.#words.length * 2);
      grown.set(this.#words);
      this.#words = grown;
    }
    this.#size += 1;
    return entry;
  }

  /** Reads a lowercase sha256 hex into #probe; false for anything else. */
  #parse(fingerprint: string): boolean {
    if (fingerprint.length !== HEX_LENGTH) return false;
    const probe = this.#probe;
    for (let word = 0, at = 0; word < WORDS; word += 1) {
      let value = 0;
      for (const end = at + 8; at < end; at += 1) {
        const digit = HEX_VALUE[fingerprint.charCodeAt(at)] ?? -1;
        if (digit === -1) return false;
        value = (value << 4) | digit;
      }
      probe[word] = value >>> 0;
    }
    return true;
  }

  /** The slot of the fingerprint in #probe: where it is, or the empty slot where it would go. */
  #slotOfProbe(): number {
    const probe = this.#probe;
    const slots = this.#slots;
    const words = this.#words;
    for (let slot = (probe[0] ?? 0) & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const held = slots[slot] ?? 0;
      if (held === 0) return slot;
      const at = (held - 1) * WORDS;
      let same = true;
      for (let word = 0; word < WORDS && same; word += 1) same = words[at + word] === probe[word];
      if (same) return slot;
    }
  }

  #growSlots(): void {
    const size = (this.#mask + 1) * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (const held of this.#slots) {
      if (held === 0) continue;
      let slot = (this.#words[(held - 1) * WORDS] ?? 0) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = held;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}
