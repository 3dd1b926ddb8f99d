// `runa-batch simulator`: run the local Runa API stand-in until SIGINT/SIGTERM. Prints one line with
// the base URL on stdout. The API key comes from a file only: a flag value would show in `ps`.
import { readFileSync } from "node:fs";
import type { Argv, CommandModule, Options } from "yargs";
import { UsageError } from "../errors.ts";
import {
  DEFAULT_COMPLETION_DELAY_MS,
  DEFAULT_ORDERS_PER_MINUTE,
  DEFAULT_SEED,
  startSimulator,
  type SimulatorFaults,
  type SimulatorOptions,
} from "../simulator/index.ts";
import { isAmountText } from "../money.ts";
import type { FlagsOf } from "./index.ts";

/** The flags as yargs hands them over (camelCase). */
export interface SimulatorFlags {
  port?: number | undefined;
  apiKeyFile?: string | undefined;
  rate?: number | undefined;
  completionDelayMs?: number | undefined;
  failureRate?: number | undefined;
  serverErrorRate?: number | undefined;
  storeServerErrors?: boolean | undefined;
  timeoutRate?: number | undefined;
  dropAfterCommitRate?: number | undefined;
  latencyMs?: number | undefined;
  rateLimitEvery?: number | undefined;
  rateLimitLength?: number | undefined;
  slowCompletionRate?: number | undefined;
  idempotencyInProgressRate?: number | undefined;
  seed?: number | undefined;
  playground?: boolean | undefined;
  balance?: string[] | undefined;
  catalog?: string | undefined;
}

const share = (describe: string) => ({ type: "number", describe: `${describe} (0-1)` }) as const satisfies Options;

/** The simulator's flags, for `simulator` and for any command that starts one (e.g. `run --simulate`). */
export const SIMULATOR_FLAG_OPTIONS = {
  port: { type: "number", default: 0, describe: "Port on 127.0.0.1 (0 picks a free one)" },
  "api-key-file": { type: "string", describe: "File holding the only API key to accept (default: any non-empty key)" },
  rate: {
    type: "number",
    default: DEFAULT_ORDERS_PER_MINUTE,
    describe: "POST /order allowed per sliding 60 s (refused ones count)",
  },
  "completion-delay-ms": {
    type: "number",
    default: DEFAULT_COMPLETION_DELAY_MS,
    describe: "How long an async order stays PROCESSING",
  },
  "failure-rate": share("Share of async orders that end FAILED (the simulator returns their price to the balance)"),
  "server-error-rate": share("Share of POST /order answered 500 before anything is committed"),
  "store-server-errors": {
    type: "boolean",
    describe: "Store those 500s for the key and replay them, as Runa does with every answer (a stuck key)",
  },
  "timeout-rate": share("Share of new orders answered 504 after the commit (a same-key retry gets the 202)"),
  "drop-after-commit-rate": share("Share of new orders committed, then the connection dropped unanswered"),
  "latency-ms": { type: "number", describe: "Added before every answer" },
  "rate-limit-every": { type: "number", describe: "429 bursts: in each run of this many POST /order ..." },
  "rate-limit-length": { type: "number", describe: "... the last this many are refused with 429" },
  "slow-completion-rate": share("Share of async orders that stay PROCESSING 10x as long"),
  "idempotency-in-progress-rate": share("Share of POST /order answered 400 idempotency_in_progress, nothing committed"),
  playground: { type: "boolean", describe: "Accept every order whatever the balance, as Runa's playground does" },
  seed: {
    type: "number",
    default: DEFAULT_SEED,
    describe: "Seed of the fault decisions and ids (same seed, same run)",
  },
  balance: {
    type: "string",
    array: true,
    describe: "Starting balance, e.g. --balance USD=100.00 (repeat; default 1000000.00 in each catalog currency)",
  },
  catalog: { type: "string", describe: "Catalog fixture (default fixtures/catalog.json)" },
} satisfies Record<string, Options>;

/** Turns parsed simulator flags into SimulatorOptions; throws UsageError on a bad value. */
export function simulatorOptionsFromFlags(flags: SimulatorFlags): SimulatorOptions {
  const faults: SimulatorFaults = {};
  const options: SimulatorOptions = { faults };
  if (flags.port !== undefined) options.port = wholeNumber("--port", flags.port, 65_535);
  if (flags.apiKeyFile !== undefined) options.apiKey = readApiKey(flags.apiKeyFile);
  if (flags.rate !== undefined) options.ordersPerMinute = Math.max(1, wholeNumber("--rate", flags.rate));
  if (flags.completionDelayMs !== undefined)
    options.completionDelayMs = wholeNumber("--completion-delay-ms", flags.completionDelayMs);
  if (flags.failureRate !== undefined) options.failureRate = shareOf("--failure-rate", flags.failureRate);
  if (flags.seed !== undefined) options.seed = wholeNumber("--seed", flags.seed, 2 ** 32 - 1);
  if (flags.catalog !== undefined) options.catalogPath = flags.catalog;
  if (flags.playground === true) options.playground = true;
  if (flags.balance !== undefined) options.balances = parseBalances(flags.balance);

  if (flags.serverErrorRate !== undefined)
    faults.serverErrorRate = shareOf("--server-error-rate", flags.serverErrorRate);
  if (flags.storeServerErrors === true) faults.storeServerErrors = true;
  if (flags.timeoutRate !== undefined) faults.timeoutRate = shareOf("--timeout-rate", flags.timeoutRate);
  if (flags.dropAfterCommitRate !== undefined)
    faults.dropAfterCommitRate = shareOf("--drop-after-commit-rate", flags.dropAfterCommitRate);
  if (flags.slowCompletionRate !== undefined)
    faults.slowCompletionRate = shareOf("--slow-completion-rate", flags.slowCompletionRate);
  if (flags.idempotencyInProgressRate !== undefined) {
    faults.idempotencyInProgressRate = shareOf("--idempotency-in-progress-rate", flags.idempotencyInProgressRate);
  }
  if (flags.latencyMs !== undefined) faults.latencyMs = wholeNumber("--latency-ms", flags.latencyMs);
  if ((flags.rateLimitEvery === undefined) !== (flags.rateLimitLength === undefined)) {
    throw new UsageError("--rate-limit-every and --rate-limit-length go together");
  }
  if (flags.rateLimitEvery !== undefined && flags.rateLimitLength !== undefined) {
    const every = wholeNumber("--rate-limit-every", flags.rateLimitEvery);
    faults.rateLimitBurst = { every, length: wholeNumber("--rate-limit-length", flags.rateLimitLength, every) };
  }
  return options;
}

/** Starts a simulator, prints its URL, and resolves once `stop` settles, after closing it. */
export async function serveSimulator(
  options: SimulatorOptions,
  stop: Promise<unknown>,
  write: (line: string) => void,
): Promise<void> {
  const simulator = await startSimulator(options);
  write(`Runa simulator listening on ${simulator.url}\n`);
  try {
    await stop;
  } finally {
    await simulator.close();
  }
}

const simulatorFlags = (yargs: Argv) => yargs.options(SIMULATOR_FLAG_OPTIONS);

export const simulatorCommand: CommandModule<object, FlagsOf<typeof simulatorFlags>> = {
  command: "simulator",
  builder: simulatorFlags,
  handler: async (argv) => {
    await serveSimulator(simulatorOptionsFromFlags(argv), untilSignal(["SIGINT", "SIGTERM"]), (line) =>
      process.stdout.write(line),
    );
  },
};

/** Resolves on the first of `signals`, then stops listening, so the process can end normally. */
function untilSignal(signals: NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const listener = (signal: NodeJS.Signals): void => {
      for (const name of signals) process.off(name, listener);
      resolve(signal);
    };
    for (const name of signals) process.on(name, listener);
  });
}

function wholeNumber(flag: string, value: number, maximum = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 0 || value > maximum)
    throw new UsageError(`${flag} must be a whole number from 0 to ${maximum}`);
  return value;
}

function shareOf(flag: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new UsageError(`${flag} must be a share from 0 to 1`);
  return value;
}

function parseBalances(entries: string[]): Record<string, string> {
  const balances: Record<string, string> = {};
  for (const entry of entries) {
    const match = /^([A-Z]{3})=(.+)$/.exec(entry);
    if (!match?.[1] || !match[2] || !isAmountText(match[2]))
      throw new UsageError(`--balance ${entry}: expected CUR=amount, e.g. USD=100.00`);
    balances[match[1]] = match[2];
  }
  return balances;
}

function readApiKey(path: string): string {
  let key: string;
  try {
    key = readFileSync(path, "utf8").trim();
  } catch (error) {
    throw new UsageError(`--api-key-file ${path}: ${error instanceof Error ? error.message : String(error)}`, "usage", {
      cause: error,
    });
  }
  if (key === "") throw new UsageError(`--api-key-file ${path} is empty`);
  return key;
}
