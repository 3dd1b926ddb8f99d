// The pipeline of `runa-batch run` once the file has validated:
//   lock -> journal -> plan every row (refuse before any POST if that is unsafe) -> send and poll
//   -> results CSV.
// It reads the input as a stream three times (plan, send, results) so memory stays flat.
import { dirname } from "node:path";
import { mkdirSync } from "node:fs";
import { setMaxListeners } from "node:events";
import pino, { type Logger } from "pino";
import { POLLS_PER_SECOND } from "../config.ts";
import { describeFault, isStorageFault, JournalRefusal, NotConfirmedError, StorageError } from "../errors.ts";
import { adoptLegacyJournal, BatchJournal, batchPaths } from "../journal/batch-journal.ts";
import { BatchLock } from "../journal/batch-lock.ts";
import { crashPoint } from "../journal/crash-points.ts";
import type { JournalState, OrderState } from "../journal/journal-state.ts";
import { chargedTotals, ordersNotInFile, type ChargedTotal, type OrderNotInFile } from "../journal/charged.ts";
import { Ledger } from "../journal/ledger.ts";
import { randomUUID } from "node:crypto";
import type { MemberRow, RunInput } from "../journal/records.ts";
import { batchStateFiles } from "../journal/state-directory.ts";
import type { RunaClient } from "../runa/client.ts";
import type { ResultLine, RowStatus } from "../csv/write-results.ts";
import { ensurePrivateDirectory, refuseUnsafeTarget } from "../csv/safe-file.ts";
import { centsToText, decimal, toCents, toMoneyText, type Decimal } from "../money.ts";
import { openInput, type CheckedRow, type InputOptions } from "../input/check-rows.ts";
import type { ChoicesToEstimate, CurrencyCost } from "../input/cost-tally.ts";
import { continuationRefusal } from "./batch-identity.ts";
import { OrderGrouper, type PendingRow } from "./group-rows.ts";
import { idempotencyKey, orderKey } from "./idempotency-key.ts";
import { createOrderLimiter, createPollLimiter, type SharedPause } from "./limiters.ts";
import { orderBody } from "./order-body.ts";
import { orderMetadata } from "./order-metadata.ts";
import { editCheck, planBatch, racingRunRefusals, refuseUnsafe, type RunPlan } from "./plan-batch.ts";
import { saveDigestIfPossible } from "./journal-digest.ts";
import { saveSnapshotIfPossible } from "../journal/state-snapshot.ts";
import { planRow } from "./plan-row.ts";
import { pollOrder } from "./poll-order.ts";
import { planRekey, rekeyQuestion } from "./rekey.ts";
import { resultsWriter, type ProblemGroup, type ResultsWriter } from "./results-writer.ts";
import { rowResult } from "./row-result.ts";
import {
  newCounters,
  type AccountStopCause,
  type ProgressEvent,
  type RunContext,
  type RunCounters,
} from "./run-context.ts";
import { ACCOUNT_WIDE_ERRORS, type AccountStop } from "../runa/retry-policy.ts";
import { sendOrder } from "./send-order.ts";
import type Bottleneck from "bottleneck";

/**
 * Polls must keep up with orders (each needs one to three at the usual completion time) while
 * staying polite: at least POLLS_PER_SECOND, three per order sent per second above that. The time
 * scale that shrinks our waits in tests shrinks the spacing of polls too.
 */
function pollsPerSecond(ordersPerMinute: number): number {
  return Math.max(POLLS_PER_SECOND, (3 * ordersPerMinute) / 60);
}

/** Orders waiting for the limiter at once: enough to keep it busy, few enough that memory stays flat. */
const MAX_QUEUED_SENDS = 32;

export interface RunOptions {
  file: string;
  batchId: string;
  resultsFile: string;
  /** The environment's state folder: the journal, the lock and the ledger live there. */
  stateDirectory: string;
  /** The environment's ledger of every batch's rows (absent: no cross-batch check). */
  ledgerFile?: string;
  /** What the run read (the file's path, size, hash), when `file` is a snapshot of it. */
  runInput?: RunInput;
  input: InputOptions;
  ordersPerMinute: number;
  itemsPerOrder: number;
  pollTimeoutMs: number;
  acceptChanges: boolean;
  forceAfterExpiry: boolean;
  /** --rekey: rows (as in the results `row` column) whose unknown-outcome key is given up for a new one. */
  rekeyRows?: number[];
  /** Go on with a batch although this file is not the one it was run with (see batch-identity.ts). */
  continueBatch: boolean;
  /** Send rows another batch paid within the repeat window, or a lost journal may have paid. */
  allowRepeatPayments: boolean;
  repeatWindowMs: number;
  /** Production: refuses rows still carrying the template's example references. */
  production?: boolean;
}

export interface RunDependencies {
  client: RunaClient;
  log?: Logger;
  stop?: AbortSignal;
  timeScale?: number;
  now?: () => number;
  /**
   * Called after planning, before the first POST, with what this run will spend per currency
   * (rows already COMPLETED excluded): the place for the balance check and the production
   * confirmation. Throwing stops the run with nothing sent.
   */
  beforeSending?: (toSend: CurrencyCost[], choices: ChoicesToEstimate) => Promise<void>;
  /** Shared order limiter (e.g. Redis-backed); default: one for this process at `ordersPerMinute`. */
  orderLimiter?: Bottleneck;
  /** The 429 pause shared with every process using the same budget (see limiters.ts). */
  sharedPause?: SharedPause;
  /** Asked before --rekey gives rows a new key: true to go on. Without it --rekey is refused. */
  confirmRekey?: (question: string) => Promise<boolean>;
  /** Called once the plan is made and after each order is sent or settled (the progress display). */
  onProgress?: (event: ProgressEvent) => void;
  /** Writes `resultsFile` and counts its rows; default: the CSV, with a byte-order mark. */
  resultsWriter?: ResultsWriter;
}

export interface CurrencyTotal {
  currency: string;
  rows: number;
  faceValue: string;
  price: string;
}

export interface RunSummary {
  batchId: string;
  resultsFile: string;
  journalFile: string;
  statuses: Record<RowStatus, number>;
  /** The rows not COMPLETED, grouped by status and error type, as the results writer counted them. */
  problems: ProblemGroup[];
  /** COMPLETED rows per currency: face value and the price actually charged. */
  completed: CurrencyTotal[];
  /**
   * Every COMPLETED order the batch's journal holds, per currency, with Runa's total_price: also
   * orders superseded by --accept-changes and orders for rows no longer in the file. What the
   * batch has spent.
   */
  charged: ChargedTotal[];
  /** Orders of the batch for rows the file no longer has (deleted, or now invalid): in `charged`, not in the results CSV. */
  ordersNotInFile: OrderNotInFile[];
  /** What was already complete before this run (a re-run sends nothing for these). */
  alreadyCompleted: number;
  counters: RunCounters;
  elapsedMs: number;
  interrupted: boolean;
  /** Orders of several rows that FAILED or were rejected as a whole: every row of each shares its fate. */
  wholeOrdersLost: { failed: number; rejected: number; rows: number };
  /** Set when an account-wide refusal halted sending: what Runa said, why it stops everything, the fix. */
  accountStop?: AccountStopCause & AccountStop;
}

export async function runBatch(options: RunOptions, dependencies: RunDependencies): Promise<RunSummary> {
  const now = dependencies.now ?? Date.now;
  const startedAt = now();
  const log = dependencies.log ?? pino({ level: "silent" });
  const paths = batchStateFiles(options.stateDirectory, options.batchId);
  mkdirSync(dirname(options.resultsFile), { recursive: true });
  refuseUnsafeTarget(options.resultsFile); // now, before any POST, not after the orders are placed
  ensurePrivateDirectory(options.stateDirectory);
  const lock = BatchLock.acquire(paths.lock, options.batchId);
  let journal: BatchJournal;
  let ledger: Ledger | undefined;
  let claimed: string | undefined; // this run's id once it has claimed its new rows in the ledger
  try {
    // A journal of the layout before the state folder (beside the results) is moved in: its batch stays protected.
    if (
      adoptLegacyJournal(
        batchPaths(dirname(options.resultsFile), options.batchId).journal,
        paths.journal,
        options.batchId,
      )
    ) {
      log.warn({ journal: paths.journal }, "moved this batch's journal from beside the results into the state folder");
    }
    ledger = options.ledgerFile ? Ledger.open(options.ledgerFile) : undefined;
    journal = BatchJournal.open(paths.journal, options.batchId, () => new Date(now()), ledger);
  } catch (error) {
    lock.release(); // refused (say a damaged journal): the next run must not meet our lock
    throw error;
  }
  try {
    const refusal =
      options.runInput && !options.continueBatch
        ? continuationRefusal(journal.state, options.runInput, options.batchId, now())
        : undefined;
    if (refusal) throw new JournalRefusal(refusal, "other_file");
    if (options.rekeyRows && options.rekeyRows.length > 0)
      await rekey(options, options.rekeyRows, journal, dependencies, log);
    // Planned, and this run's new rows claimed in the ledger. In a function of its own so that the
    // new rows' content ids (~25 MB at a million rows) are let go once claimed, not held while sending.
    const planAndClaim = async (state: JournalState): Promise<Omit<RunPlan, "newContent">> => {
      const { newContent, ...plan } = await planBatch(options, state, now());
      refuseUnsafe(plan.refusals, options.batchId, options);
      await dependencies.beforeSending?.(plan.toSend, plan.choices);
      if (ledger && options.ledgerFile !== undefined) {
        claimed = randomUUID();
        ledger.intend(options.batchId, claimed, new Date(now()).toISOString(), newContent.fingerprints());
        // Another batch may have claimed the same rows since planBatch looked: look again, now ours is in.
        if (newContent.size > 0)
          refuseUnsafe(racingRunRefusals(options.ledgerFile, newContent, options, now()), options.batchId, options);
      }
      return plan;
    };
    const plan = await planAndClaim(journal.state);
    if (options.runInput) journal.ranWith(options.runInput);
    if (options.acceptChanges) journal.released(plan.missingPaidRows);
    log.info(plan.counts, "run planned");

    const stop = dependencies.stop ?? new AbortController().signal;
    const sending = new AbortController();
    setMaxListeners(0, stop, sending.signal); // every waiting retry and poll listens for the stop
    const context: RunContext = {
      client: dependencies.client,
      journal,
      orderLimiter: dependencies.orderLimiter ?? createOrderLimiter(options.ordersPerMinute),
      pollLimiter: createPollLimiter(pollsPerSecond(options.ordersPerMinute) / (dependencies.timeScale ?? 1)),
      log,
      timeScale: dependencies.timeScale ?? 1,
      pollTimeoutMs: options.pollTimeoutMs,
      stop,
      sending,
      counters: newCounters(),
      pausedUntil: 0,
      ...(dependencies.sharedPause ? { sharedPause: dependencies.sharedPause } : {}),
      now,
      ...(dependencies.onProgress ? { onProgress: dependencies.onProgress } : {}),
    };
    // When sending halts (a stop, or an account-wide refusal), jobs still waiting for a rate slot
    // are dropped: no POST starts after it, and the exit does not wait for a queue that, at 60 a
    // minute, could take half a minute to drain. Polls end only on a stop.
    const dropWaitingJobs = (limiter: Bottleneck) => () =>
      void limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
    sending.signal.addEventListener("abort", dropWaitingJobs(context.orderLimiter), { once: true });
    stop.addEventListener("abort", dropWaitingJobs(context.pollLimiter), { once: true });
    stop.addEventListener("abort", () => sending.abort(), { once: true });
    if (stop.aborted) sending.abort();
    context.onProgress?.({ type: "planned", counts: plan.counts, counters: context.counters });
    // Every valid row already COMPLETED: the pass that sends would only read the file again.
    const nothingToDo = plan.counts.poll + plan.counts.repost + plan.counts.new + plan.counts.conflict === 0;
    const failure = nothingToDo ? undefined : await sendAndPoll(options, context, journal, plan.replaces);

    crashPoint("before-results");
    let written: Awaited<ReturnType<typeof writeBatchResults>>;
    try {
      written = await writeBatchResults(
        options,
        journal,
        context.stop.aborted,
        dependencies.resultsWriter ?? resultsWriter("csv", { bom: true }),
      );
    } catch (error) {
      throw storageFailure(options, paths.journal, journal.state, failure?.error, error);
    }
    const { statuses, problems, completed, wholeOrdersLost, notInFile } = written;
    const charged = chargedTotals(journal.state);
    // The results still reflect every journaled step; then the fault stops the run.
    if (failure)
      throw isStorageFault(failure.error)
        ? storageFailure(options, paths.journal, journal.state, failure.error)
        : failure.error;
    return {
      batchId: options.batchId,
      resultsFile: options.resultsFile,
      journalFile: paths.journal,
      statuses,
      problems,
      completed,
      charged,
      ordersNotInFile: notInFile,
      alreadyCompleted: plan.counts.done,
      counters: context.counters,
      elapsedMs: now() - startedAt,
      interrupted: context.stop.aborted,
      wholeOrdersLost,
      ...(context.accountStop
        ? { accountStop: { ...context.accountStop, ...ACCOUNT_WIDE_ERRORS[context.accountStop.type] } }
        : {}),
    };
  } finally {
    try {
      if (claimed !== undefined) ledger?.ended(claimed);
    } catch {
      // Left open, the claim makes other batches over these rows refuse until this batch runs again:
      // the cautious side, and the journal's own failure (a full disk) is what the user must hear.
    }
    journal.close();
    if (journal.intact) {
      saveDigestIfPossible(paths.journal, journal.state);
      saveSnapshotIfPossible(paths.journal, journal.state);
    }
    lock.release();
  }
}

/** Journals the user's choice to give the named rows' orders a new key; planning then sends them anew. */
async function rekey(
  options: RunOptions,
  rows: number[],
  journal: BatchJournal,
  dependencies: RunDependencies,
  log: Logger,
): Promise<void> {
  const plan = await planRekey(options.file, options.input, journal.state, rows);
  if (!(await dependencies.confirmRekey?.(rekeyQuestion(plan))))
    throw new NotConfirmedError("--rekey was not confirmed: nothing was sent");
  for (const { order, rows: named } of plan.orders) {
    journal.rekeyed(order.key);
    log.warn({ key: order.key, rows: named }, "key given up by --rekey: these rows are sent under a new key");
  }
}

/**
 * What a disk fault mid-run means for the money: sending stopped; orders sent before it may be
 * placed, and each was journaled before it was sent, so a re-run replays them instead of paying
 * twice. Says whether the results file reflects them, and what to do. `failure` is the fault that
 * stopped sending, if one did; `resultsError` why the results file could not be written, if so.
 */
function storageFailure(
  options: RunOptions,
  journalPath: string,
  state: JournalState,
  failure: unknown,
  resultsError?: unknown,
): StorageError {
  const sent = [...state.orders.values()].filter((order) => order.firstPostAt !== undefined).length;
  const reason = (error: unknown): string =>
    isStorageFault(error) ? describeFault(error) : error instanceof Error ? error.message : String(error);
  const results =
    resultsError === undefined
      ? `The results file ${options.resultsFile} shows every row as journaled.`
      : `The results file ${options.resultsFile} could not be written (${reason(resultsError)}); a re-run writes it.`;
  const next =
    "Free space or fix the disk, then re-run the same command: orders already placed are not placed again (unanswered ones are re-sent with the same key, which Runa replays).";
  if (failure === undefined) {
    return new StorageError(
      `batch "${options.batchId}": the ${sent} order(s) sent were all journaled (${journalPath}), but the results file ${options.resultsFile} could not be written (${reason(resultsError)}). ` +
        `Fix that, then re-run the same command: a re-run writes it without sending anything again for rows already paid.`,
      resultsError,
    );
  }
  const what = isStorageFault(failure)
    ? `could not write ${failure.path ?? "the journal"}: ${describeFault(failure)}`
    : `stopped: ${reason(failure)}`;
  return new StorageError(
    `batch "${options.batchId}": ${what}. Sending stopped; ${sent} order(s) had been sent by then and may be placed: each was journaled (${journalPath}) before it was sent. ${results} ${next}`,
    failure,
  );
}

/**
 * Sends and polls every row that needs it. An unexpected fault in one order's work (say the shared
 * limiter's Redis went away) stops new work, lets the rest settle, and is returned, so the results
 * can still be written from the journal before the run fails.
 */
async function sendAndPoll(
  options: RunOptions,
  context: RunContext,
  journal: BatchJournal,
  replaces: RunPlan["replaces"],
): Promise<{ error: unknown } | undefined> {
  let failure: { error: unknown } | undefined;
  const tasks = new Set<Promise<unknown>>();
  const acted = new Set<string>();
  const slots = new SendSlots(MAX_QUEUED_SENDS);
  const grouper = new OrderGrouper(options.itemsPerOrder);
  const edited = editCheck();

  const launch = async (order: OrderState, first: "send" | "poll"): Promise<void> => {
    acted.add(order.key);
    if (first === "send") {
      await slots.take();
      const task = (async () => {
        try {
          if ((await send(order)) !== "accepted") return;
        } finally {
          slots.give();
        }
        await poll(order);
      })();
      track(task);
    } else {
      track(poll(order));
    }
  };
  const send = async (order: OrderState) => {
    const outcome = await sendOrder(context, order);
    context.onProgress?.({ type: "sent", outcome, rows: order.size, counters: context.counters });
    return outcome;
  };
  const poll = async (order: OrderState) => {
    const outcome = await pollOrder(context, order);
    const settled = outcome === "settled" ? (order.outcome ?? "FAILED") : outcome;
    context.onProgress?.({ type: "polled", outcome: settled, rows: order.size, counters: context.counters });
    return outcome;
  };
  // A disk fault stops new POSTs at once (jobs waiting for a rate slot are dropped: each is
  // journaled as planned, not sent); orders in flight are still polled.
  const fail = (error: unknown): void => {
    failure ??= { error };
    if (isStorageFault(error)) context.sending.abort();
  };
  const track = (task: Promise<unknown>): void => {
    tasks.add(task);
    task.catch(fail).finally(() => tasks.delete(task));
  };
  const planGroup = (group: PendingRow[]): OrderState => {
    const rowKeys = group.map(({ line, generation }) => idempotencyKey(options.batchId, line.fingerprint, generation));
    const rows: MemberRow[] = group.map(({ line, row, generation }) => {
      const member: MemberRow = { fp: line.fingerprint, gen: generation, row, cid: line.contentId };
      if (line.reference !== undefined) member.ref = line.reference;
      const replaced = replaces.get(row);
      if (replaced !== undefined) member.replaces = replaced;
      return member;
    });
    const key = orderKey(rowKeys);
    const body = orderBody(
      group.map((pending) => pending.line),
      orderMetadata(options.batchId, rows),
    );
    journal.planned(key, Math.max(...group.map((pending) => pending.generation)), rows, group[0]!.line.currency, body);
    crashPoint("planned");
    return journal.state.orders.get(key)!;
  };

  try {
    const { rows } = await openInput(options.file, options.input);
    for await (const checked of rows) {
      if (context.sending.signal.aborted || failure) break;
      if (!checked.result.ok) continue;
      const line = checked.result.order;
      const plan = planRow(line.fingerprint, journal.state, edited(line));
      if (plan.action === "done") continue;
      // The plan refused conflicts unless --accept-changes, on these same bytes (a snapshot): this is a second lock on that door.
      if (plan.action === "conflict" && !options.acceptChanges)
        throw new JournalRefusal(`row ${checked.row} changed after planning; nothing more was sent`, "conflict");
      // A conflict gets here only with --accept-changes: the row becomes a new order.
      if (plan.action === "new" || plan.action === "conflict") {
        const group = grouper.add({ line, row: checked.row, generation: plan.generation });
        if (group) await launch(planGroup(group), "send");
      } else if (!acted.has(plan.order.key)) {
        await launch(plan.order, plan.action === "poll" ? "poll" : "send");
      }
    }
    if (!context.sending.signal.aborted && !failure)
      for (const group of grouper.flush()) await launch(planGroup(group), "send");
  } catch (error) {
    fail(error); // a journal that cannot be written: orders in flight still settle before we stop
  }
  while (tasks.size > 0) await Promise.allSettled([...tasks]);
  return failure;
}

/** Back-pressure: the reader waits while this many orders are queued or being sent. */
class SendSlots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  async take(): Promise<void> {
    if (this.#free > 0) {
      this.#free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  give(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free += 1;
  }
}

async function writeBatchResults(
  options: RunOptions,
  journal: BatchJournal,
  interrupted: boolean,
  writer: ResultsWriter,
) {
  const totals = new Map<string, { rows: number; faceCents: bigint; price: Decimal }>();
  const lostOrders = new Map<string, { status: "FAILED" | "REJECTED"; rows: number }>();
  const accounted = new Set<OrderState>();
  const { header, delimiter, batches } = await openInput(options.file, options.input);
  const resultOf = (checked: CheckedRow): ResultLine => {
    // One look-up per row: its orders, oldest first, serve the result, the accounting and the totals.
    const orders = checked.result.ok ? journal.state.ordersOfRow(checked.result.order.fingerprint) : [];
    const result = rowResult(checked, orders, options.batchId, interrupted);
    for (const order of orders) accounted.add(order);
    const order = orders.at(-1);
    if ((result.status === "FAILED" || result.status === "REJECTED") && order && order.size > 1)
      lostOrders.set(order.key, { status: result.status, rows: order.size });
    if (result.status === "COMPLETED" && checked.result.ok) {
      const { currency, amount } = checked.result.order;
      let total = totals.get(currency);
      if (!total) totals.set(currency, (total = { rows: 0, faceCents: 0n, price: decimal(0) }));
      total.rows += 1;
      total.faceCents += toCents(amount); // canonical two places (OrderLine.amount): exact, no object per row
      if (result.price) total.price = total.price.plus(result.price);
    }
    return { values: checked.values, result };
  };
  // A batch of rows at a time: one await per few dozen rows, not several per row.
  async function* lines(): AsyncGenerator<ResultLine[]> {
    for await (const batch of batches) yield batch.map(resultOf);
  }
  const { statuses, problems } = await writer.write(options.resultsFile, { header, delimiter }, lines());
  const completed = [...totals].map(([currency, total]) => ({
    currency,
    rows: total.rows,
    faceValue: centsToText(total.faceCents),
    price: toMoneyText(total.price),
  }));
  const lost = [...lostOrders.values()];
  const wholeOrdersLost = {
    failed: lost.filter((order) => order.status === "FAILED").length,
    rejected: lost.filter((order) => order.status === "REJECTED").length,
    rows: lost.reduce((sum, order) => sum + order.rows, 0),
  };
  return { statuses, problems, completed, wholeOrdersLost, notInFile: ordersNotInFile(journal.state, accounted) };
}
