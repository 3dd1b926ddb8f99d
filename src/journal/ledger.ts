// The ledger: one compact index, per environment, of every row any batch has sent, so a run can
// tell before any POST that a row was already paid in another batch (a renamed or copied file, a
// results file used as input, a lost journal). Each batch's journal stays the truth about its own
// orders; the ledger only points at them. Lines (JSON, short names: it grows with every batch):
//   {"t":"o","b":batch,"k":orderKey,"at":iso,"c":[contentId…]}  planned, written before the journal's plan
//   {"t":"p","k":orderKey}                                      about to be POSTed (before the journal's post line)
//   {"t":"a","k":orderKey,"o":orderId}                          Runa accepted it
//   {"t":"s","k":orderKey,"s":"COMPLETED"|"FAILED"|"REJECTED"}   final
//   {"t":"i","b":batch,"r":runId,"at":iso,"c":[contentId…]}    a run is about to send these new rows
//   {"t":"e","r":runId}                                         that run ended: its unsent rows are free
// A run's intent lines come before its first POST, and a run checks them again after writing its
// own: of two batches over the same rows running at once, the later one always sees the earlier.
// Written before the journal's plan line, so an order can never be sent without its ledger line;
// a crash can only leave the ledger more cautious than the journal (an order it thinks may have paid).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { JournalFile, readRecords } from "./journal-file.ts";

export type LedgerOutcome = "COMPLETED" | "FAILED" | "REJECTED";

type LedgerLine =
  | { t: "o"; b: string; k: string; at: string; c: string[] }
  | { t: "p"; k: string }
  | { t: "a"; k: string; o: string }
  | { t: "s"; k: string; s: LedgerOutcome }
  | { t: "i"; b: string; r: string; at: string; c: string[] }
  | { t: "e"; r: string };

/** Content ids per intent line: a million-row run writes lines of a few kilobytes, not one of 17 MB. */
const INTENT_IDS_PER_LINE = 200;
/** Claim lines per write and fsync: a million rows take 100 fsyncs, and memory holds 10,000 ids at a time. */
const INTENT_LINES_PER_WRITE = 50;

export function ledgerPath(stateDirectory: string): string {
  return join(stateDirectory, "ledger.jsonl");
}

export class Ledger {
  readonly #file: JournalFile;

  private constructor(file: JournalFile) {
    this.#file = file;
  }

  static open(path: string): Ledger {
    return new Ledger(JournalFile.open(path));
  }

  planned(batchId: string, key: string, at: string, contentIds: string[]): void {
    this.#append({ t: "o", b: batchId, k: key, at, c: contentIds });
  }

  /** Before a POST: from here the order may exist. */
  posting(key: string): void {
    this.#append({ t: "p", k: key });
  }

  accepted(key: string, orderId: string): void {
    this.#append({ t: "a", k: key, o: orderId });
  }

  settled(key: string, outcome: LedgerOutcome): void {
    this.#append({ t: "s", k: key, s: outcome });
  }

  /**
   * Before a run's first POST: every new row it may send, so a batch started meanwhile sees them.
   * It also ends the claims of the batch's earlier runs (one run of a batch at a time: its lock).
   */
  intend(batchId: string, runId: string, at: string, contentIds: Iterable<string>): void {
    const lines: LedgerLine[] = [];
    let chunk: string[] = [];
    for (const contentId of contentIds) {
      chunk.push(contentId);
      if (chunk.length < INTENT_IDS_PER_LINE) continue;
      lines.push({ t: "i", b: batchId, r: runId, at, c: chunk });
      chunk = [];
      if (lines.length === INTENT_LINES_PER_WRITE) this.#file.appendAll(lines.splice(0));
    }
    // The last line even when empty: a run with nothing new still ends its batch's killed runs' claims.
    lines.push({ t: "i", b: batchId, r: runId, at, c: chunk });
    this.#file.appendAll(lines);
  }

  /** The run ended (done, stopped or refused): rows it did not send are no longer claimed. */
  ended(runId: string): void {
    this.#append({ t: "e", r: runId });
  }

  close(): void {
    this.#file.close();
  }

  #append(line: LedgerLine): void {
    this.#file.append(line);
  }
}

/** An earlier order that carried a row now about to be sent. */
export interface LedgerMatch {
  batchId: string;
  key: string;
  plannedAt: string;
  orderId?: string;
  /** Whether it was ever POSTed (or answered): planned only, it paid nobody yet. */
  posted: boolean;
  /** undefined: not final (accepted, or sent with no answer recorded): it may have paid. */
  outcome?: LedgerOutcome;
}

export interface LedgerQuery {
  /** The batch asking: its own claims are never a reason to refuse it, so they are not collected. */
  batchId: string;
  /** Is this content id among the rows to send? */
  hasContent(contentId: string): boolean;
  /** Is this order id among those the input's rows carry? */
  hasOrderId(orderId: string): boolean;
}

/** A run of another batch that claimed a row and has not ended (still running, or killed). */
export interface OpenIntent {
  batchId: string;
  runId: string;
  at: string;
}

export interface LedgerFindings {
  /** Per content id of the query, the orders that carried it. */
  byContent: Map<string, LedgerMatch[]>;
  /** Per content id of the query, the runs that claimed it and have not ended. */
  openIntents: Map<string, OpenIntent[]>;
  /** Per order id of the query that the ledger knows, its order. */
  byOrderId: Map<string, LedgerMatch>;
}

/**
 * Streams the ledger once, and a second time only when the input carries order ids the ledger
 * knows (for their batch and date). Memory follows the matches, not the ledger.
 */
export function searchLedger(path: string, query: LedgerQuery): LedgerFindings {
  const findings: LedgerFindings = { byContent: new Map(), byOrderId: new Map(), openIntents: new Map() };
  if (!existsSync(path)) return findings;
  const orders = new Map<string, LedgerMatch>();
  const byKey = new Map<string, string>(); // order key -> order id, for order ids the query asks about
  const intents = new Map<string, OpenIntent[]>();
  const endedRuns = new Set<string>();
  const latestRun = new Map<string, string>(); // batch -> its last run: one run of a batch at a time (its lock)
  // A key's later lines always follow its plan line (the ledger is appended in that order), so one
  // pass finds the orders that carried a queried row and what became of them.
  for (const line of ledgerLines(path)) {
    if (line.t === "i") {
      latestRun.set(line.b, line.r);
      if (line.b === query.batchId) continue; // a million rows re-run would otherwise match all their own claims
      for (const contentId of line.c) {
        if (!query.hasContent(contentId)) continue;
        const list = intents.get(contentId) ?? [];
        if (!list.some((intent) => intent.runId === line.r)) list.push({ batchId: line.b, runId: line.r, at: line.at });
        intents.set(contentId, list);
      }
      continue;
    }
    if (line.t === "e") {
      endedRuns.add(line.r);
      continue;
    }
    if (line.t === "o") {
      for (const contentId of line.c) {
        if (!query.hasContent(contentId)) continue;
        const match = orders.get(line.k) ?? { batchId: line.b, key: line.k, plannedAt: line.at, posted: false };
        orders.set(line.k, match);
        const list = findings.byContent.get(contentId) ?? [];
        if (!list.includes(match)) list.push(match);
        findings.byContent.set(contentId, list);
      }
      continue;
    }
    const order = orders.get(line.k);
    if (order) order.posted = true; // about to be POSTed, accepted or final: sent in any case
    if (line.t === "a") {
      if (order) order.orderId = line.o;
      if (query.hasOrderId(line.o)) byKey.set(line.k, line.o);
    } else if (line.t === "s" && order) {
      order.outcome = line.s;
    }
  }
  // A run is open until its end line, or until its batch starts another run (the earlier one died).
  for (const [contentId, list] of intents) {
    const open = list.filter(
      (intent) => !endedRuns.has(intent.runId) && latestRun.get(intent.batchId) === intent.runId,
    );
    if (open.length > 0) findings.openIntents.set(contentId, open);
  }
  if (byKey.size > 0) {
    for (const line of ledgerLines(path)) {
      if (line.t === "i" || line.t === "e") continue;
      const orderId = byKey.get(line.k);
      if (orderId === undefined) continue;
      const match = findings.byOrderId.get(orderId) ?? {
        batchId: "",
        key: line.k,
        plannedAt: "",
        orderId,
        posted: true,
      };
      if (line.t === "o") {
        match.batchId = line.b;
        match.plannedAt = line.at;
      } else if (line.t === "s") match.outcome = line.s;
      findings.byOrderId.set(orderId, match);
    }
  }
  return findings;
}

/** The ledger's lines, checked like a journal's (a damaged line refuses, a torn last one is dropped). */
function ledgerLines(path: string): Generator<LedgerLine> {
  return readRecords<LedgerLine>(path);
}
