// The ledger: one compact index, per environment, of every row any batch has sent, so a run can
// tell before any POST that a row was already paid in another batch (a renamed or copied file, a
// results file used as input, a lost journal). Each batch's journal stays the truth about its own
// orders; the ledger only points at them. Lines (JSON, short names: it grows with every batch):
//   {"t":"o","b":batch,"k":orderKey,"at":iso,"c":[contentId…]}  planned, written before the journal's plan
//   {"t":"p","k":orderKey}                                      about to be POSTed (before the journal's post line)
//   {"t":"a","k":orderKey,"o":orderId}                          Runa accepted it
//   {"t":"s","k":orderKey,"s":"COMPLETED"|"FAILED"|"REJECTED"}   final
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
  | { t: "s"; k: string; s: LedgerOutcome };

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
  /** Is this content id among the rows to send? */
  hasContent(contentId: string): boolean;
  /** Is this order id among those the input's rows carry? */
  hasOrderId(orderId: string): boolean;
}

export interface LedgerFindings {
  /** Per content id of the query, the orders that carried it. */
  byContent: Map<string, LedgerMatch[]>;
  /** Per order id of the query that the ledger knows, its order. */
  byOrderId: Map<string, LedgerMatch>;
}

/**
 * Streams the ledger once, and a second time only when the input carries order ids the ledger
 * knows (for their batch and date). Memory follows the matches, not the ledger.
 */
export function searchLedger(path: string, query: LedgerQuery): LedgerFindings {
  const findings: LedgerFindings = { byContent: new Map(), byOrderId: new Map() };
  if (!existsSync(path)) return findings;
  const orders = new Map<string, LedgerMatch>();
  const byKey = new Map<string, string>(); // order key -> order id, for order ids the query asks about
  // A key's later lines always follow its plan line (the ledger is appended in that order), so one
  // pass finds the orders that carried a queried row and what became of them.
  for (const line of ledgerLines(path)) {
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
  if (byKey.size > 0) {
    for (const line of ledgerLines(path)) {
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
