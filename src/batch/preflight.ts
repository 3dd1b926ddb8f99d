// What a run of a file as a given batch would refuse, found without sending or writing anything:
// the same identity, journal and ledger checks `run` makes, for `status` and `validate` to report
// before anyone runs it.
import { existsSync } from "node:fs";
import { batchPaths, readJournal } from "../journal/batch-journal.ts";
import { JournalState } from "../journal/journal-state.ts";
import { ledgerPath } from "../journal/ledger.ts";
import { batchStateFiles } from "../journal/state-directory.ts";
import { continuationRefusal, snapshotInput } from "./batch-identity.ts";
import type { InputOptions } from "../input/check-rows.ts";
import { OVERRIDING_FLAGS, planBatch, type Refusal, type RunPlan } from "./plan-batch.ts";

export interface PreflightOptions {
  file: string;
  input: InputOptions;
  batchId: string;
  stateDirectory: string;
  /** Where an older version kept journals: beside the results. */
  legacyDirectory: string;
  repeatWindowMs: number;
  production: boolean;
  /** The batch's journal when the caller has read it already. */
  journal?: JournalState;
}

export interface Preflight {
  /** The batch's journal, if it has one. */
  journalPath?: string;
  journal: JournalState;
  plan: RunPlan;
  /** Every reason a plain run would refuse, each with the flag (if any) that would let it go on. */
  refusals: string[];
}

/** How a report marks a refusal: whether, and with which flag, a run would go on anyway. */
function overrideNote(kind: Refusal["kind"]): string {
  const overriding = OVERRIDING_FLAGS[kind];
  return overriding === undefined ? " [a run refuses]" : ` [a run refuses unless ${overriding.flag}]`;
}

/** The journal a run of `batchId` would use: the state folder's, else an older version's beside the results. */
export function findJournal(stateDirectory: string, legacyDirectory: string, batchId: string): string {
  const current = batchStateFiles(stateDirectory, batchId).journal;
  const legacy = batchPaths(legacyDirectory, batchId).journal;
  return existsSync(current) || !existsSync(legacy) ? current : legacy;
}

export async function preflight(options: PreflightOptions): Promise<Preflight> {
  const path = findJournal(options.stateDirectory, options.legacyDirectory, options.batchId);
  const journal = options.journal ?? (existsSync(path) ? readJournal(path) : new JournalState());
  const snapshot = await snapshotInput(options.file);
  try {
    const now = Date.now();
    const continuation = continuationRefusal(journal, snapshot.input, options.batchId, now);
    const plan = await planBatch(
      {
        file: snapshot.path,
        input: { ...options.input, displayName: options.file },
        batchId: options.batchId,
        ledgerFile: ledgerPath(options.stateDirectory),
        repeatWindowMs: options.repeatWindowMs,
        production: options.production,
      },
      journal,
      now,
    );
    const refusals = [
      ...(continuation ? [`${continuation} [a run refuses unless --continue-batch]`] : []),
      ...plan.refusals.map((refusal) => `${refusal.message}${overrideNote(refusal.kind)}`),
    ];
    return { ...(existsSync(path) ? { journalPath: path } : {}), journal, plan, refusals };
  } finally {
    snapshot.remove();
  }
}
