// Where a setting comes from, first match wins:
//   1. the command line flag          --rate 120
//   2. a RUNA_* environment variable  RUNA_RATE=120
//   3. a JSON config file             {"rate": 120}  (--config FILE, else ./runa-batch.json, else
//                                     $XDG_CONFIG_HOME/runa-batch/config.json, ~/.config/... by default)
//   4. the built-in default
// Applied by a yargs middleware before validation, so a value from any source meets the same
// `choices` and range checks as a flag. The API key itself is never a flag: `--api-key` is refused
// (it would show in `ps` and shell history), and a key in a config file is accepted only when the
// file is owner-only, like --api-key-file.
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Argv } from "yargs";
import {
  DEFAULT_PROGRESS_INTERVAL_S,
  DEFAULT_REPEAT_WINDOW_DAYS,
  ORDERS_PER_MINUTE,
  POLL_TIMEOUT_MS,
} from "./config.ts";
import { OTHERS_MAY_ACCESS } from "./csv/safe-file.ts";
import { UsageError } from "./errors.ts";

export interface Setting {
  flag: string;
  env: string;
  type: "string" | "number";
  /** Built-in default, used when no source gives a value (none: the option stays unset). */
  fallback?: string | number;
}

/** The settings that may come from the environment or a config file, for every command that has the flag. */
export const SETTINGS: readonly Setting[] = [
  { flag: "env", env: "RUNA_ENV", type: "string", fallback: "playground" },
  { flag: "base-url", env: "RUNA_BASE_URL", type: "string" },
  { flag: "api-key-file", env: "RUNA_API_KEY_FILE", type: "string" },
  { flag: "rate", env: "RUNA_RATE", type: "number", fallback: ORDERS_PER_MINUTE },
  { flag: "items-per-order", env: "RUNA_ITEMS_PER_ORDER", type: "number", fallback: 1 },
  { flag: "poll-timeout", env: "RUNA_POLL_TIMEOUT", type: "number", fallback: POLL_TIMEOUT_MS / 1000 },
  { flag: "progress-interval", env: "RUNA_PROGRESS_INTERVAL", type: "number", fallback: DEFAULT_PROGRESS_INTERVAL_S },
  { flag: "redis-url", env: "RUNA_REDIS_URL", type: "string" },
  { flag: "state-dir", env: "RUNA_STATE_DIR", type: "string" },
  { flag: "batch-id", env: "RUNA_BATCH_ID", type: "string" },
  { flag: "repeat-window", env: "RUNA_REPEAT_WINDOW", type: "number", fallback: DEFAULT_REPEAT_WINDOW_DAYS },
];

/** A config file may also hold the key itself, if only its owner can read it. */
const CONFIG_API_KEY = "api-key";

export interface ConfigFile {
  path: string;
  values: Record<string, string | number>;
  apiKey?: string;
}

/** The config file in use: the one named, else the first of the default places that exists. */
export function findConfigFile(
  named: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string | undefined {
  if (named !== undefined) {
    if (!existsSync(named)) throw new UsageError(`--config ${named}: no such file`);
    return named;
  }
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return [join(cwd, "runa-batch.json"), join(configHome, "runa-batch", "config.json")].find((path) => existsSync(path));
}

/**
 * Read and checked once per process: the settings middleware reads the file first, and the
 * connection takes the API key from that same reading (the key never goes into argv).
 */
const readFiles = new Map<string, ConfigFile>();

export function readConfigFile(path: string): ConfigFile {
  let file = readFiles.get(path);
  if (!file) {
    file = parseConfigFile(path);
    readFiles.set(path, file);
  }
  return file;
}

function parseConfigFile(path: string): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    // Not kept as the cause: V8's message quotes the file's text (see describeUnreadable).
    throw new UsageError(`config file ${path}: ${describeUnreadable(error)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new UsageError(`config file ${path}: expected a JSON object such as {"rate": 60}`);
  const file: ConfigFile = { path, values: {} };
  for (const [key, value] of Object.entries(parsed)) {
    if (key === CONFIG_API_KEY) {
      if (statSync(path).mode & OTHERS_MAY_ACCESS)
        throw new UsageError(`config file ${path} holds an API key and is readable by others; run: chmod 600 ${path}`);
      if (typeof value !== "string" || value.trim() === "")
        throw new UsageError(`config file ${path}: "api-key" must be a non-empty string`);
      file.apiKey = value.trim();
      continue;
    }
    const setting = SETTINGS.find((candidate) => candidate.flag === key);
    // Names and values are quoted only where they cannot be a misplaced key.
    const name = /^[a-z][a-z-]{0,40}$/.test(key) ? `"${key}"` : "(name not shown)";
    if (!setting)
      throw new UsageError(
        `config file ${path}: unknown setting ${name}; known: ${[...SETTINGS.map((s) => s.flag), CONFIG_API_KEY].join(", ")}`,
      );
    if (typeof value !== setting.type)
      throw new UsageError(
        `config file ${path}: "${key}" must be a ${setting.type}, got ${value === null ? "null" : typeof value}`,
      );
    file.values[key] = value as string | number;
  }
  return file;
}

/**
 * Why a config file could not be read, without a word of its text: V8's JSON errors quote the text
 * near the fault, which in this file may be the API key (e.g. left unquoted).
 */
function describeUnreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined) return `cannot be read (${code})`;
  if (!(error instanceof SyntaxError)) return "cannot be read";
  const position = /position (\d+)/.exec(error.message)?.[1];
  return `is not valid JSON${position === undefined ? "" : ` (at character ${Number(position) + 1})`}; its text is not shown, as it may hold the API key. Check quotes and commas, e.g. {"api-key": "…", "rate": 60}`;
}

function fromEnv(setting: Setting, env: NodeJS.ProcessEnv): string | number | undefined {
  const raw = env[setting.env];
  if (raw === undefined || raw === "") return undefined;
  if (setting.type === "string") return raw;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new UsageError(`${setting.env} must be a number, got "${raw}"`);
  return value;
}

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * Fills every unset setting the command declares from the environment, then the config file, then
 * its built-in default; records the config file used in `argv.config`. Options so filled must have
 * no yargs `default` (which would hide that the flag was not given); give them `defaultDescription`.
 */
export function applySettings(
  argv: Record<string, unknown>,
  declared: ReadonlySet<string>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (argv.apiKey !== undefined) {
    throw new UsageError(
      "--api-key is refused: a key on the command line shows in `ps` and shell history (consider it exposed). Set RUNA_API_KEY, or use --api-key-file with an owner-only file.",
    );
  }
  const path = findConfigFile(argv.config as string | undefined, env);
  const file = path === undefined ? undefined : readConfigFile(path);
  if (path !== undefined) argv.config = path;
  for (const setting of SETTINGS) {
    if (!declared.has(setting.flag) || argv[setting.flag] !== undefined) continue;
    // The key sources rank as a whole: RUNA_API_KEY beats a key file named in a config file.
    const shadowedByEnvKey = setting.flag === "api-key-file" && Boolean(env.RUNA_API_KEY?.trim());
    const value =
      fromEnv(setting, env) ?? (shadowedByEnvKey ? undefined : file?.values[setting.flag]) ?? setting.fallback;
    if (value === undefined) continue;
    argv[setting.flag] = value;
    argv[camel(setting.flag)] = value;
  }
}

/** Registers applySettings on a command's yargs, for the settings it declares (call after declaring them). */
export function withSettings<T>(yargs: Argv<T>): Argv<T> {
  // yargs passes itself as the second argument (not in @types/yargs): its options are the command's flags.
  const middleware = (
    argv: Record<string, unknown>,
    instance: { getOptions(): { key: Record<string, unknown> } },
  ): void => {
    applySettings(argv, new Set(Object.keys(instance.getOptions().key)));
  };
  return yargs.middleware(middleware as unknown as Parameters<Argv<T>["middleware"]>[0], true);
}
