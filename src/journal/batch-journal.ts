// The durable record of one batch: every step is written (and fsynced) before the tool acts on it.
import { mkdirSync, openSync, fsyncSync, closeSync } from "node:fs";
import { join } from "node:path";
import { JournalFile, linePosition, readRecords, recordAt } from "./journal-file.ts";
import { JournalState, type RecordSource } from "./journal-state.ts";
import { writeFault } from "./crash-points.ts";
import type { JournalRecord, MemberRow, OrderOutcome, RowPayout } from "./records.ts";

/** Where a batch keeps its files. The batch id is made safe for a file name. */
export function batchPaths(directory: string, batchId: string) {
  const base = join(directory, batchId.replace(/[^A-Za-z0-9._-]/g, "_"));
  return {
    journal: `${base}.journal.jsonl`,
    lock: `${base}.lock`,
    log: `${base}.log.jsonl`,
    summary: `${base}.summary.json`,
  };
}

export function readJournal(path: string): JournalState {
  return JournalState.from(readRecords<JournalRecord>(path), journalSource(path));
}

export class BatchJournal {
  readonly state: JournalState;
  readonly #file: JournalFile;
  #broken: { error: unknown } | undefined;
  readonly #now: () => Date;

  private constructor(file: JournalFile, state: JournalState, now: () => Date) {
    this.#file = file;
    this.state = state;
    this.#now = now;
  }

  static open(path: string, batchId: string, now: () => Date = () => new Date()): BatchJournal {
    const directory = join(path, "..");
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const file = JournalFile.open(path);
    let state: JournalState;
    try {
      state = JournalState.from(file.records<JournalRecord>(), journalSource(path));
    } catch (error) {
      file.close();
      throw error;
    }
    const journal = new BatchJournal(file, state, now);
    syncDirectory(directory); // the file's name is durable too, not only its bytes
    if (!state.batchId) journal.#write({ type: "batch", v: 1, batchId, at: journal.#at() });
    return journal;
  }

  planned(key: string, gen: number, rows: MemberRow[], currency: string, body: string): void {
    this.#write({ type: "order", key, gen, rows, currency, body, at: this.#at() });
  }

  posting(key: string, attempt: number): void {
    this.#write({ type: "post", key, attempt, at: this.#at() });
  }

  accepted(key: string, orderId: string): void {
    this.#write({ type: "accepted", key, orderId, at: this.#at() });
  }

  rejected(key: string, status: number, errorType: string, message: string): void {
    this.#write({ type: "rejected", key, status, errorType, message, at: this.#at() });
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
  }

  close(): void {
    this.#file.close();
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
function journalSource(path: string): RecordSource {
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
