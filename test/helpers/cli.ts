// Runs the real CLI as a child process, the way a user or cron does.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = join(REPO_ROOT, "bin", "runa-batch.js");
export const fixture = (name: string): string => join(REPO_ROOT, "fixtures", name);

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Called once the child is running, e.g. to kill it at a chosen moment. */
  onSpawn?: (child: ChildProcess) => void;
  timeoutMs?: number;
}

/** A fresh working directory: each test gets its own output/ folder. */
export function workDir(): string {
  return mkdtempSync(join(tmpdir(), "runa-batch-test-"));
}

/** The timeout of a test that runs the CLI several times: room for a loaded machine, where each run may take seconds. */
export const SLOW_TEST_MS = 180_000;

/** Fast waits for tests: a 5 s back-off takes 50 ms. The order rate is set with --rate. */
export const FAST_ENV = { RUNA_BATCH_TIME_SCALE: "0.01", RUNA_API_KEY: "test-key-4f9a2c" };

/** A test's state folder root (journals, ledger): inside its working directory, never the user's own. */
export const stateRoot = (cwd: string): string => join(cwd, ".runa-state");

/** The journal a batch run from `cwd` keeps (the state folder has one environment folder per base URL). */
export function journalFile(cwd: string, batchId: string): string {
  const root = stateRoot(cwd);
  const environments = existsSync(root) ? readdirSync(root) : [];
  if (environments.length !== 1)
    throw new Error(`expected one environment folder in ${root}, found ${environments.join(", ") || "none"}`);
  return join(root, environments[0]!, `${batchId}.journal.jsonl`);
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const cwd = options.cwd ?? workDir();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        RUNA_STATE_DIR: stateRoot(cwd),
        ...FAST_ENV,
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}
