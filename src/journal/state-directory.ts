// Where a batch's durable state lives: one folder per Runa environment, independent of the working
// directory, so a batch is the same batch whichever folder cron or a person runs it from.
//   --state-dir / RUNA_STATE_DIR / "state-dir" in the config file, else
//   $XDG_STATE_HOME/runa-batch, else ~/.local/state/runa-batch
// and below it one folder per environment (playground, production, or a custom base URL's own).
import { createHash } from "node:crypto";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { ENVIRONMENTS } from "../config.ts";
import { ensurePrivateDirectory } from "../csv/safe-file.ts";
import { UsageError } from "../errors.ts";

export function defaultStateRoot(env: NodeJS.ProcessEnv = process.env): string {
  const stateHome = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(stateHome, "runa-batch");
}

/**
 * The folder name of an environment. Keys, orders and idempotency keys are per environment, so a
 * playground batch never shares a ledger with production. A custom base URL (a proxy, a
 * simulator) gets a folder of its own, named after its host and a hash of the whole URL.
 */
export function environmentName(baseUrl: string): string {
  for (const [name, url] of Object.entries(ENVIRONMENTS)) if (url === baseUrl) return name;
  const host = new URL(baseUrl).host.replace(/[^A-Za-z0-9.-]/g, "_");
  return `custom-${host}-${createHash("sha256").update(baseUrl).digest("hex").slice(0, 8)}`;
}

/**
 * Creates (0700) and returns the environment's state folder. Refused when it, or the root, is a
 * symlink or belongs to another user: journals hold payout links, and a planted folder could
 * redirect them.
 */
export function openStateDirectory(root: string, baseUrl: string): string {
  const directory = join(root, environmentName(baseUrl));
  for (const path of [root, directory]) ensurePrivateDirectory(path);
  return directory;
}

/**
 * A batch id as a file name. Ids made only of letters, digits, '.', '_' and '-' (not starting with
 * '.') are used as they are; any other id is cleaned and suffixed with a hash of the exact id, so
 * two ids that clean up alike ("rewards 2026/10", "rewards 2026:10") never share a journal, and no
 * id (say "..") can name a file outside the folder.
 */
export function batchFileStem(batchId: string): string {
  if (/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,119}$/.test(batchId)) return batchId;
  const cleaned = batchId
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^\.+/, "")
    .slice(0, 80);
  const stem = `${cleaned || "batch"}-${createHash("sha256").update(batchId).digest("hex").slice(0, 12)}`;
  if (basename(stem) !== stem) throw new UsageError(`batch id "${batchId}" cannot be made a file name`);
  return stem;
}

/** Where a batch keeps its state (journal, lock) in the state folder. */
export function batchStateFiles(stateDirectory: string, batchId: string) {
  const base = join(stateDirectory, batchFileStem(batchId));
  return { journal: `${base}.journal.jsonl`, lock: `${base}.lock` };
}
