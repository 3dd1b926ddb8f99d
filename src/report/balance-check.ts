// The account balance against what a file would cost: GET /balance per currency, and the shortfall.
import Big from "big.js";
import { AuthenticationError } from "../errors.ts";
import type { CurrencyCost } from "../input/cost-tally.ts";
import { toMoneyText } from "../money.ts";
import type { RunaClient } from "../runa/client.ts";
import { table } from "./text-table.ts";

export interface BalanceCheck {
  currency: string;
  /** What the valid rows would cost. */
  price: string;
  balance?: string;
  /** How much is missing, when the balance is below the price. */
  shortfall?: string;
  /** Why the balance is unknown. */
  error?: string;
}

/** GET /balance per currency; a balance that cannot be read is reported, not fatal (except a refused key). */
export async function checkBalances(
  client: Pick<RunaClient, "getBalance">,
  costs: CurrencyCost[],
): Promise<BalanceCheck[]> {
  const checks: BalanceCheck[] = [];
  for (const cost of costs) {
    const check: BalanceCheck = { currency: cost.currency, price: cost.price };
    const result = await client.getBalance(cost.currency);
    if (
      result.kind === "ok" &&
      typeof result.body?.balance === "string" &&
      /^-?\d+(?:\.\d+)?$/.test(result.body.balance)
    ) {
      check.balance = toMoneyText(result.body.balance);
      const missing = new Big(cost.price).minus(result.body.balance);
      if (missing.gt(0)) check.shortfall = toMoneyText(missing);
    } else if (result.kind === "http_error" && (result.status === 401 || result.status === 403)) {
      throw new AuthenticationError(
        `Runa refused the API key while reading the ${cost.currency} balance (${result.status} ${result.error.type})`,
      );
    } else {
      check.error =
        result.kind === "ok"
          ? "unexpected answer"
          : result.kind === "http_error"
            ? `${result.status} ${result.error.type}`
            : result.message;
    }
    checks.push(check);
  }
  return checks;
}

/**
 * The balance lines under the cost summary, with a warning per shortfall. In the playground a
 * shortfall is only information: Runa accepts every playground order whatever the balance.
 */
export function formatBalances(checks: BalanceCheck[], playground = false): string {
  if (checks.length === 0) return "";
  const lines = [
    "Account balance:",
    ...table(
      ["currency", "price", "balance", "shortfall"],
      checks.map((check) => [
        check.currency,
        check.price,
        check.balance ?? `unknown (${check.error ?? "?"})`,
        check.shortfall ?? "",
      ]),
      [false, true, true, true],
    ).map((line) => `  ${line}`),
  ];
  for (const check of checks) {
    if (check.shortfall !== undefined && playground) {
      lines.push(
        `Note: the ${check.currency} balance is ${check.shortfall} short of the ${check.price} this file costs; the playground accepts orders whatever the balance, production would not.`,
      );
    } else if (check.shortfall !== undefined) {
      lines.push(
        `WARNING: the ${check.currency} balance (${check.balance}) is ${check.shortfall} short of the ${check.price} this file costs; top up before running, or rows will fail with insufficient_funds.`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
