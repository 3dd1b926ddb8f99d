// The flags every command that talks to Runa shares, and the one place that turns them into a client:
// a real environment (key from RUNA_API_KEY or an owner-only file) or the in-process simulator.
import type { Argv } from "yargs";
import { readConfigFile, withSettings } from "../config-file.ts";
import { ENVIRONMENTS, checkLoopbackResolution, resolveApiKey, resolveBaseUrl, type Environment } from "../config.ts";
import { UsageError } from "../errors.ts";
import { defaultStateRoot, openStateDirectory } from "../journal/state-directory.ts";
import { RunaClient } from "../runa/client.ts";

/** The client's one-off warnings (an API version other than ours) go to the person running the command. */
const warnOnStderr = (message: string): void => void process.stderr.write(`runa-batch: warning: ${message}\n`);

/** Sent to the simulator, which accepts any non-empty key: never a real one. */
const SIMULATOR_API_KEY = "simulated-key-not-secret";

export interface ConnectionArgs {
  env: Environment;
  baseUrl?: string | undefined;
  apiKeyFile?: string | undefined;
  simulate?: boolean | undefined;
  /** The config file in use (named by --config or found in a default place). */
  config?: string | undefined;
  /** Root of the state folders (journals, ledger, lock, catalog cache), one per environment below it. */
  stateDir?: string | undefined;
}

export interface Connection {
  client: RunaClient;
  baseUrl: string;
  /** True when talking to the in-process simulator: nothing real is ordered or cached. */
  simulated: boolean;
  /** Values a log must never show (the API key). */
  secrets: readonly string[];
  /** This environment's state folder, created owner-only on first use (journals, ledger, catalog cache). */
  stateDirectory(): string;
  close(): Promise<void>;
}

export function connectionOptions<T>(yargs: Argv<T>): Argv<T & ConnectionArgs> {
  return withSettings(
    yargs
      .option("env", {
        choices: Object.keys(ENVIRONMENTS) as Environment[],
        // No yargs default: withSettings fills it from RUNA_ENV, the config file, else playground (and a bad value meets `choices`).
        defaultDescription: "RUNA_ENV, else the config file, else playground",
        describe: "Runa environment; keys are per environment",
      })
      .option("base-url", {
        type: "string",
        describe: "Override the API base URL (or set RUNA_BASE_URL); https only, http for localhost",
      })
      .option("api-key-file", {
        type: "string",
        describe: "Read the API key from this owner-only file (default: the RUNA_API_KEY variable)",
      })
      .option("simulate", {
        type: "boolean",
        default: false,
        describe: "Rehearse against an in-process Runa simulator: nothing is spent",
      })
      .option("config", {
        type: "string",
        describe:
          "JSON settings file (default ./runa-batch.json, else ~/.config/runa-batch/config.json); flags and RUNA_* variables win over it",
      })
      .option("state-dir", {
        type: "string",
        defaultDescription: "RUNA_STATE_DIR, else $XDG_STATE_HOME/runa-batch, else ~/.local/state/runa-batch",
        describe:
          "Where journals, the cross-batch ledger and the catalog cache live (one folder per environment below it); keep it on a lasting disk",
      })
      // Declared only to refuse it with a clear message (see applySettings); hidden from --help.
      .option("api-key", { type: "string", hidden: true }),
    // A cast, because withSettings always fills `env` (RUNA_ENV, the config file, else playground) and
    // yargs cannot see it: the option has no yargs default, so its inferred type allows undefined.
  ) as unknown as Argv<T & ConnectionArgs>;
}

/** The environment's state folder (created owner-only), from the flags alone: no API key needed. */
export function stateDirectoryOf(argv: ConnectionArgs): string {
  return openStateDirectory(
    argv.stateDir ?? defaultStateRoot(),
    resolveBaseUrl({ env: argv.env, baseUrl: argv.baseUrl }),
  );
}

/**
 * With --simulate, starts the simulator on a free local port (loaded lazily, so real runs never load
 * it) and uses a dummy key; otherwise resolves the base URL and key from flags and environment.
 */
export async function openConnection(
  argv: ConnectionArgs,
  options: { ordersPerMinute?: number; sendEmails?: boolean } = {},
): Promise<Connection> {
  const sendEmails = options.sendEmails === true ? { sendEmails: true } : {};
  if (argv.simulate) {
    if (argv.baseUrl !== undefined || argv.apiKeyFile !== undefined) {
      throw new UsageError(
        "--simulate runs against a local simulator: drop --base-url and --api-key-file, or drop --simulate",
      );
    }
    const { startSimulator } = await import("../simulator/index.ts");
    const simulator = await startSimulator(
      options.ordersPerMinute === undefined ? {} : { ordersPerMinute: options.ordersPerMinute },
    );
    return {
      client: new RunaClient({ baseUrl: simulator.url, apiKey: SIMULATOR_API_KEY, warn: warnOnStderr, ...sendEmails }),
      baseUrl: simulator.url,
      simulated: true,
      secrets: [],
      // A rehearsal's simulator forgets everything when it stops, so its state is thrown away too (run.ts).
      stateDirectory: () => {
        throw new Error("a rehearsal keeps no state folder");
      },
      close: () => simulator.close(),
    };
  }
  const baseUrl = resolveBaseUrl({ env: argv.env, baseUrl: argv.baseUrl });
  await checkLoopbackResolution(baseUrl); // before the first request, which would carry the key
  const configKey = argv.config === undefined ? undefined : readConfigFile(argv.config).apiKey;
  const apiKey = resolveApiKey({ apiKeyFile: argv.apiKeyFile, configKey });
  let directory: string | undefined;
  return {
    client: new RunaClient({ baseUrl, apiKey, warn: warnOnStderr, ...sendEmails }),
    baseUrl,
    simulated: false,
    secrets: [apiKey],
    stateDirectory: () => (directory ??= stateDirectoryOf(argv)),
    close: async () => undefined,
  };
}
