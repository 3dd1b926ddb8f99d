// The last gate before a run's first order: in production, enough balance for what it will send and a
// yes from a person (or --yes). What is refused here costs nothing: no order has been sent yet.
import type { RunaClient } from "../runa/client.ts";
import { BalanceShortError, NotConfirmedError, UsageError } from "../errors.ts";
import type { CurrencyCost } from "../input/cost-tally.ts";
import { checkBalances, type BalanceCheck } from "./balance-check.ts";
import { confirmationText, refuseUnattendedProduction } from "./production-guard.ts";

export interface ConfirmSettings {
  production: boolean;
  batchId: string;
  ignoreBalance: boolean;
  yes: boolean;
}

export interface ConfirmDeps {
  client: Pick<RunaClient, "getBalance">;
  /** A line for the person watching (the playground's short-balance note). */
  note: (text: string) => void;
  /** What the run is doing now (the progress display). */
  stage: (text: string) => void;
  /** Asks on the terminal; true only for a yes. */
  ask: (question: string) => Promise<boolean>;
}

/**
 * Refuses, before any request, a run that would need a yes nobody can give: production or --rekey
 * without --yes and without a terminal.
 */
export function refuseUnconfirmable(run: { production: boolean; yes: boolean; rekey: boolean; stdinIsTTY: boolean }) {
  refuseUnattendedProduction(run);
  if (run.rekey && !run.yes && !run.stdinIsTTY) {
    throw new UsageError(
      "--rekey may pay rows a second time and there is no terminal to confirm on; nothing was sent. Check the rows first, then add --yes.",
      "confirmation_required",
    );
  }
}

/**
 * Given what this run will send per currency (rows already paid excluded): a production balance short
 * of it throws BalanceShortError (unless --ignore-balance), and a production run without --yes asks,
 * throwing NotConfirmedError unless the answer is yes.
 */
export async function confirmRun(
  toSend: CurrencyCost[],
  pricingNote: string | undefined,
  settings: ConfirmSettings,
  deps: ConfirmDeps,
): Promise<void> {
  if (!settings.ignoreBalance) {
    deps.stage("checking the balance");
    const short = (await checkBalances(deps.client, toSend)).filter((balance) => balance.shortfall !== undefined);
    // Runa: in the playground "use of account balance to pay for an order will always be accepted".
    if (short.length > 0 && !settings.production) {
      deps.note(
        `playground: the balance is short (${describeShortfall(short)}); playground orders are accepted whatever the balance, so the run goes on`,
      );
    } else if (short.length > 0) {
      throw new BalanceShortError(
        `the account balance is short: ${describeShortfall(short)}. ` +
          "Nothing was ordered. Top up, or pass --ignore-balance (rows then fail with insufficient_funds and a re-run retries them).",
      );
    }
  }
  if (
    settings.production &&
    !settings.yes &&
    !(await deps.ask(confirmationText(toSend, settings.batchId, pricingNote)))
  )
    throw new NotConfirmedError("not confirmed: nothing was ordered");
}

function describeShortfall(short: BalanceCheck[]): string {
  return short.map((s) => `${s.currency} needs ${s.price}, has ${s.balance} (short ${s.shortfall})`).join("; ");
}
