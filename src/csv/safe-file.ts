// Files that hold redemption links are cash: owner-only, and written whole or not at all.
// No file or directory we write is reached through a symbolic link or owned by someone else: a
// planted `r.journal.jsonl -> ../victim.txt` must not be appended to, chmod-ed or overwritten.
import {
  constants,
  createWriteStream,
  fsyncSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  closeSync,
  readdirSync,
  renameSync,
  rmSync,
  fchmodSync,
  type Stats,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { pipeline } from "node:stream/promises";
import type { Readable, Transform } from "node:stream";
import { UnsafePathError } from "../errors.ts";

/** Modes of everything we write: results hold redemption links (cash), journals what was paid. */
export const OWNER_ONLY_FILE = 0o600;
export const OWNER_ONLY_DIRECTORY = 0o700;
/** The permission bits of group and others: a file holding a key must have none of them. */
export const OTHERS_MAY_ACCESS = 0o077;

/** 0 where the platform has no O_NOFOLLOW (Windows); there the lstat checks below still apply. */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
/** Flags for a file appended to (journal, log): created if missing, never through a link. */
export const APPEND_NO_FOLLOW = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW;
/** The same, for a file that is also read back through the same descriptor (the journal). */
export const READ_APPEND_NO_FOLLOW = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW;
/** Flags for reading a file that must not be reached through a link. */
export const READ_NO_FOLLOW = constants.O_RDONLY | NO_FOLLOW;
/** Flags for a new temp file: it must not exist yet (O_EXCL never follows a link either). */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW;

/**
 * Opens `path` for writing with `flags` (which must include O_NOFOLLOW where the platform has it)
 * and returns the fd of a plain file that is ours alone: not a link, not another user's, not a
 * second name of some other file (a hard link), and narrowed to 0600 (it holds links or keys).
 */
export function openPrivateFile(path: string, flags: number = APPEND_NO_FOLLOW): number {
  let fd: number;
  try {
    fd = openSync(path, flags, OWNER_ONLY_FILE);
  } catch (error) {
    // Linux says ELOOP for a final symlink under O_NOFOLLOW; the BSDs say EMLINK.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "EMLINK") throw symlinkRefusal(path);
    throw error;
  }
  try {
    refuseForeign(path, fstatSync(fd), "file");
    fchmodSync(fd, OWNER_ONLY_FILE); // one copied in with wider permissions is narrowed
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Refuses `path` if it exists and is a link, not a plain file, or not ours. For files replaced by
 * rename (results, summary, error CSV): a rename would not follow a link, but it would silently
 * drop one the user or someone else put there; better to say so before any order is sent.
 */
export function refuseUnsafeTarget(path: string): void {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (stats.isSymbolicLink()) throw symlinkRefusal(path);
  refuseForeign(path, stats, "file");
}

/**
 * Creates `path` (and its parents) with mode 0700, or checks the one that is there: a real
 * directory, not a symbolic link, owned by the user running the tool. Its files hold journals of
 * money sent and the lock that keeps two runs apart; another user's directory could swap them.
 */
export function ensurePrivateDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: OWNER_ONLY_DIRECTORY });
  const stats = lstatSync(path);
  if (stats.isSymbolicLink()) throw symlinkRefusal(path);
  refuseForeign(path, stats, "directory");
}

function refuseForeign(path: string, stats: Stats, kind: "file" | "directory"): void {
  const plain = kind === "file" ? stats.isFile() : stats.isDirectory();
  if (!plain)
    throw new UnsafePathError(
      `${path} is not a plain ${kind}; refusing to write there. Remove it or choose another path.`,
    );
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new UnsafePathError(
      `${path} belongs to another user (uid ${stats.uid}, this is uid ${uid}); refusing to use it: whoever owns it could read or swap what runa-batch keeps there. ` +
        `Remove it, or choose a ${kind} of your own.`,
    );
  }
  if (kind === "file" && stats.nlink > 1) {
    throw new UnsafePathError(
      `${path} has ${stats.nlink} names (a hard link to another file); refusing to write through it. Remove it or choose another path.`,
    );
  }
}

function symlinkRefusal(path: string): UnsafePathError {
  return new UnsafePathError(
    `${path} is a symbolic link; runa-batch never writes through links (one could redirect payout links onto another file). Remove the link or choose another path.`,
  );
}

/**
 * Streams `source` (through `transforms`, e.g. a CSV stringifier) into `path` through a temp file
 * beside it, fsyncs it, then renames it into place, so a reader (or a crash) never sees half a
 * file. A failing source leaves no file at all.
 */
export async function writeFileAtomically(path: string, source: Readable, ...transforms: Transform[]): Promise<void> {
  refuseUnsafeTarget(path);
  // An unguessable name, created exclusively: nobody can plant a link where the temp file goes.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const fd = openPrivateFile(temporary, CREATE_NEW);
    const out = createWriteStream(temporary, { fd, autoClose: false });
    try {
      await pipeline([source, ...transforms, out]);
      fsyncSync(fd);
    } finally {
      // A failed pipeline destroys the stream, and a destroyed stream closes its fd whatever autoClose
      // says: closing it again threw EBADF over the real error (always on Node 24, now and then on 20).
      if (!out.destroyed) closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  removeStaleTemporaries(path);
}

/**
 * Temp files of `path` left by a process killed mid-write: they hold redemption links, so they do
 * not stay behind. Only those of processes no longer running (another may be writing now), and only
 * plain files of ours (a link is removed as a name, never followed).
 */
function removeStaleTemporaries(path: string): void {
  const name = basename(path);
  let entries: string[];
  try {
    entries = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const entry of entries) {
    const match = /^\.(\d+)\.[0-9a-f]{12}\.tmp$/.exec(entry.slice(name.length));
    if (!entry.startsWith(name) || !match || isRunning(Number(match[1]))) continue;
    const stale = join(dirname(path), entry);
    try {
      const stats = lstatSync(stale);
      if (stats.uid === process.getuid?.() || process.getuid === undefined) rmSync(stale, { force: true });
    } catch {
      // gone meanwhile, or not ours to remove: either way nothing to do
    }
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, another user's
  }
}

/** =, +, -, @, tab, CR: by char code, since every cell of a million-row results file is asked. */
const FORMULA_STARTS = new Set([..."=+-@\t\r"].map((char) => char.charCodeAt(0)));

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading apostrophe.
 * OWASP's advice for CSV injection; links and amounts never start with these characters.
 */
export function neutraliseFormula(cell: string): string {
  return FORMULA_STARTS.has(cell.charCodeAt(0)) ? `'${cell}` : cell;
}
