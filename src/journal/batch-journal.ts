// The durable record of one batch: every step is written (and fsynced) before the tool acts on it.
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync } from "node:fs";
import { join } from "node:path";
import { JournalFile, linePosition, readRecords, recordAt } from "./journal-file.ts";
import { JournalState, type RecordSource } from "./journal-state.ts";
import { writeFault } from "./crash-points.ts";
import type { Ledger } from "./ledger.ts";
import type { JournalRecord, MemberRow, OrderOutcome, RowPayout, RunInput } from "./records.ts";
import { JournalRefusal } from "../errors.ts";
import { OWNER_ONLY_DIRECTORY, refuseUnsafeTarget } from "../csv/safe-file.ts";
import { errorTypeIs } from "../runa/error-types.ts";

/**
 * Where a batch keeps its files beside its results: the log and the summary; before the state
 * folder existed, also the journal and lock (see findLegacyJournal). The batch id is made safe for
 * a file name the old way, which two ids could share: the journal's own batch id settles that.
 */
export function batchPaths(directory: string, batchId: string) {
  const base = join(directory, batchId.replace(/[^A-Za-z0-9._-]/g, "_"));
  return {
    journal: `${base}.journal.jsonl`,
    lock: `${base}.lock`,
    log: `${base}.log.jsonl`,
    summary: `${base}.summary.json`,
  };
}

/**
 * Moves a journal written beside the results (the layout before the state folder) to `target`,
 * so an upgrade never forgets a batch. Only the exact batch's journal is moved; the old file is
 * renamed, not deleted, so an older version run by mistake finds nothing and a person can see
 * where it went. Refused when both exist: which one is the truth is for a person to say.
 */
export function adoptLegacyJournal(legacy: string, target: string, batchId: string): boolean {
  refuseUnsafeTarget(legacy); // a planted link is never read, moved or followed
  if (!existsSync(legacy)) return false;
  const legacyBatch = readJournal(legacy).batchId;
  if (legacyBatch !== undefined && legacyBatch !== batchId) return false; // another batch whose id cleans up alike
  if (existsSync(target)) {
    throw new JournalRefusal(
      `batch "${batchId}" has two journals: ${target} and an older one beside the results, ${legacy}. Nothing was sent. ` +
        `Keep the one that is complete (compare them with \`runa-batch status\`) and move the other away.`,
      "two_journals",
    );
  }
  const temporary = `${target}.moving`;
  copyFileSync(legacy, temporary);
  const fd = openSync(temporary, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, target);
  syncDirectory(join(target, ".."));
  renameSync(legacy, `${legacy}.moved-to-state-dir`);
  return true;
}

export function readJournal(path: string): JournalState {
  return JournalState.from(readRecords<JournalRecord>(path), journalSource(path));
}

export class BatchJournal {
  readonly state: JournalState;
  readonly #file: JournalFile;
  #broken: { error: unknown } | undefined;
  readonly #now: () => Date;
  readonly #ledger: Ledger | undefined;
  readonly #batchId: string;

  private constructor(
    file: JournalFile,
    state: JournalState,
    now: () => Date,
    batchId: string,
    ledger: Ledger | undefined,
  ) {
    this.#file = file;
    this.state = state;
    this.#now = now;
    this.#batchId = batchId;
    this.#ledger = ledger;
  }

  /**
   * Opens (or starts) the journal of `batchId`. A journal that belongs to another batch id is
   * refused: two batches never share one. With a ledger, every order is also indexed there.
   */
  static open(path: string, batchId: string, now: () => Date = () => new Date(), ledger?: Ledger): BatchJournal {
    const directory = join(path, "..");
    mkdirSync(directory, { recursive: true, mode: OWNER_ONLY_DIRECTORY });
    const file = JournalFile.open(path);
    let state: JournalState;
    try {
      state = JournalState.from(file.records<JournalRecord>(), journalSource(path));
      if (state.batchId !== undefined && state.batchId !== batchId) {
        throw new JournalRefusal(
          `the journal ${path} belongs to batch "${state.batchId}", not "${batchId}"; nothing was sent. Two batches never share a journal: pick a batch id of its own for this one.`,
          "journal_of_another_batch",
        );
      }
    } catch (error) {
      file.close();
      throw error;
    }
    const journal = new BatchJournal(file, state, now, batchId, ledger);
    syncDirectory(directory); // the file's name is durable too, not only its bytes
    if (!state.batchId) journal.#write({ type: "batch", v: 1, batchId, at: journal.#at() });
    return journal;
  }

  /** What this run was given; written once per run, before anything is planned. */
  ranWith(input: RunInput): void {
    this.#write({ type: "run", input, at: this.#at() });
  }

  /** Rows the user let go with --accept-changes: they no longer hold back new rows. */
  released(fps: string[]): void {
    if (fps.length > 0) this.#write({ type: "released", fps, at: this.#at() });
  }

  planned(key: string, gen: number, rows: MemberRow[], currency: string, body: string): void {
    const at = this.#at();
    // The ledger first: an order is never sent that the ledger does not know.
    this.#ledger?.planned(
      this.#batchId,
      key,
      at,
      rows.map((row) => row.cid ?? ""),
    );
    this.#write({ type: "order", key, gen, rows, currency, body, at });
  }

  posting(key: string, attempt: number): void {
    // The ledger first: a lost journal's sent orders must still be known as sent.
    if (attempt === 1) this.#ledger?.posting(key);
    this.#write({ type: "post", key, attempt, at: this.#at() });
  }

  accepted(key: string, orderId: string): void {
    this.#write({ type: "accepted", key, orderId, at: this.#at() });
    this.#ledger?.accepted(key, orderId);
  }

  rejected(key: string, status: number, errorType: string, message: string): void {
    this.#write({ type: "rejected", key, status, errorType, message, at: this.#at() });
    // idempotency_validation_error: the key already holds another body, whose order may exist.
    if (!errorTypeIs(errorType, "idempotency_validation_error")) this.#ledger?.settled(key, "REJECTED");
  }

  serverError(key: string, status: number, errorType: string): void {
    this.#write({ type: "server_error", key, status, errorType, at: this.#at() });
  }

  rekeyed(key: string): void {
    this.#write({ type: "rekey", key, at: this.#at() });
  }

  unresolved(key: string, errorType: string, message: string): void {
    this.#write({ type: "unresolved", key, errorType, message, at: this.#at() });
  }

  settled(key: string, orderId: string, status: OrderOutcome, payouts: RowPayout[], totalPrice?: string): void {
    const record: JournalRecord = { type: "settled", key, orderId, status, payouts, at: this.#at() };
    if (totalPrice !== undefined) record.totalPrice = totalPrice;
    this.#write(record);
    this.#ledger?.settled(key, status);
  }

  close(): void {
    this.#file.close();
    this.#ledger?.close();
  }

  /** No write failed: the file holds exactly the records the state folded (none torn). */
  get intact(): boolean {
    return this.#broken === undefined;
  }

  #write(record: JournalRecord): void {
    // After a failed write (disk full, read-only) the journal may end in half a line: nothing more
    // is appended after it, so the damage stays a torn last line, which the next run heals.
    if (this.#broken) throw this.#broken.error;
    try {
      writeFault();
      this.#file.append(record);
    } catch (error) {
      this.#broken = { error };
      throw error;
    }
    this.state.apply(record);
  }

  #at(): string {
    return this.#now().toISOString();
  }
}

/** The journal file as the state's source: records remember their lines, which are read back by path. */
export function journalSource(path: string): RecordSource {
  return { positionOf: linePosition, recordAt: (at) => recordAt<JournalRecord>(path, at) };
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
