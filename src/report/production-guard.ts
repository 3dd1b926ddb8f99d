// Spending real money takes a yes from a person. In production a run on a terminal shows what the
// file costs and asks; an unattended run (cron: no terminal on stdin) must say --yes up front, and
// is refused before its first request to Runa otherwise (the catalog and balance calls included).
import { createInterface } from "node:readline";
import type { CurrencyCost } from "../input/cost-tally.ts";
import { pricingLines } from "./format-validation.ts";
import { table } from "./text-table.ts";
import { ENVIRONMENTS, type Environment } from "../config.ts";
import { UsageError } from "../errors.ts";

/** True when this run would order against Runa's production API: by --env/RUNA_ENV, or by its base URL. */
export function isProduction(argv: {
  env: Environment;
  baseUrl?: string | undefined;
  simulate?: boolean | undefined;
}): boolean {
  if (argv.simulate) return false;
  if (argv.env === "production") return true;
  const base = argv.baseUrl; // already resolved from flag, RUNA_BASE_URL or the config file
  if (!base) return false;
  try {
    return new URL(base).host === new URL(ENVIRONMENTS.production).host;
  } catch {
    return false;
  }
}

/** Throws before any request when production has nobody to confirm and no --yes. */
export function refuseUnattendedProduction(options: { production: boolean; yes: boolean; stdinIsTTY: boolean }): void {
  if (!options.production || options.yes || options.stdinIsTTY) return;
  throw new UsageError(
    "--env production spends real money and there is no terminal to confirm on; nothing was sent to Runa. " +
      "Check the file with `runa-batch validate`, then pass --yes to confirm in advance (e.g. in the crontab line).",
    "confirmation_required",
  );
}

/** The question asked on a terminal before a production run: what each currency will cost. */
export function confirmationText(costs: CurrencyCost[], batchId: string, pricingNote?: string): string {
  const rows = costs.reduce((sum, cost) => sum + cost.rows, 0);
  const lines = [
    "",
    `PRODUCTION: batch ${batchId} orders real gift cards, paid from the Runa account balance.`,
    ...table(
      ["currency", "rows", "face value", "discount", "price"],
      costs.map((cost) => [cost.currency, String(cost.rows), cost.faceValue, cost.discount, cost.price]),
      [false, true, true, true, true],
    ).map((line) => `  ${line}`),
    ...pricingLines(costs, pricingNote),
    `Rows an earlier run of batch ${batchId} already COMPLETED are not ordered again.`,
    `Order these ${rows} row(s) in production? [y/N] `,
  ];
  return lines.join("\n");
}

/** Asks on the terminal; only "y" or "yes" goes on. Ctrl-C (`stop`) or end of input is a no. */
export function askYesNo(
  question: string,
  stop: AbortSignal,
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, output, terminal: false });
    let answered = false;
    const finish = (yes: boolean): void => {
      if (answered) return;
      answered = true;
      stop.removeEventListener("abort", onStop);
      rl.close();
      resolve(yes);
    };
    const onStop = (): void => finish(false);
    if (stop.aborted) return finish(false);
    stop.addEventListener("abort", onStop);
    rl.on("close", () => finish(false));
    rl.question(question, (answer) => finish(/^\s*y(es)?\s*$/i.test(answer)));
  });
}
