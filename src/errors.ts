// Error classes with stable string codes. A bad row is a result, not an exception: these are for
// states that stop the whole command. main.ts maps each to an exit code and a one-line message.

export const EXIT = {
  OK: 0,
  /** Usage, configuration or authentication problem: nothing was ordered. */
  USAGE: 1,
  /** The input file failed validation: nothing was ordered. */
  INVALID_INPUT: 2,
  /** The run finished with some rows not COMPLETED. */
  INCOMPLETE: 3,
  /** Runa refused the account (funds, spending limit, key, API version): the run stopped sending. */
  ACCOUNT_STOPPED: 4,
  /** A file could not be written (disk full, read-only, not a file): orders may have been placed. */
  STORAGE_FAILED: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Every code a BatchError carries: stable strings a script or a test can branch on (main.ts prints
 * the code in debug output). A new code goes here first, so a typo at a call site is a type error.
 */
export type BatchErrorCode = UsageErrorCode | JournalRefusalCode | OtherErrorCode;

/** Codes of UsageError: the user must change the command (or answer the question). */
export type UsageErrorCode = "usage" | "batch_id_required" | "confirmation_required" | "redis_unreachable";

/** Codes of JournalRefusal: what the journal (or the plan made from it) will not let the run do. */
export type JournalRefusalCode =
  | "batch_locked"
  | "two_journals"
  | "journal_of_another_batch"
  | "journal_damaged"
  | "rekey_refused"
  | "other_file"
  // the plan's refusals (plan-batch.ts `Refusal["kind"]`)
  | "conflict"
  | "repeat"
  | "paid_order_id"
  | "expired"
  | "example_row";

type OtherErrorCode =
  | "input_file"
  | "validation_failed"
  | "insufficient_balance"
  | "not_confirmed"
  | "authentication"
  | "unsafe_path"
  | "storage_failed"
  | "catalog_unavailable"
  | "order_list_unavailable";

/** What lies under an error, when there is something: kept as `cause`, never pasted into the message alone. */
export interface ErrorOptions {
  cause?: unknown;
}

export class BatchError extends Error {
  constructor(
    message: string,
    readonly code: BatchErrorCode,
    readonly exitCode: ExitCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Raised for a bad flag, a missing key, a refused base URL: the user must change the command. */
export class UsageError extends BatchError {
  constructor(message: string, code: UsageErrorCode = "usage", options?: ErrorOptions) {
    super(message, code, EXIT.USAGE, options);
  }
}

/** Raised when the input file cannot be read as a CSV at all (encoding, header, quoting). */
export class InputFileError extends BatchError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: string | undefined,
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `${file}${line === undefined ? "" : `:${line}`}${column ? ` (column ${column})` : ""}: ${detail}`,
      "input_file",
      EXIT.INVALID_INPUT,
      options,
    );
  }

  /** The same error, naming the file as the user knows it (when a snapshot of it was read). */
  forFile(file: string): InputFileError {
    return new InputFileError(file, this.line, this.column, this.detail, { cause: this.cause });
  }
}

/** Raised when rows fail validation and the run may not spend (the report was already printed). */
export class ValidationFailedError extends BatchError {
  constructor(message: string) {
    super(message, "validation_failed", EXIT.INVALID_INPUT);
  }
}

/** Raised in production when the balance is short of what the run would send: before any order. */
export class BalanceShortError extends BatchError {
  constructor(message: string) {
    super(message, "insufficient_balance", EXIT.USAGE);
  }
}

/** Raised when the person asked to confirm spending (a production run, --rekey) does not say yes. */
export class NotConfirmedError extends BatchError {
  constructor(message: string) {
    super(message, "not_confirmed", EXIT.USAGE);
  }
}

/** Raised when Runa refuses our credentials (401/403 on a call every row needs). */
export class AuthenticationError extends BatchError {
  constructor(message: string) {
    super(message, "authentication", EXIT.USAGE);
  }
}

/** Raised when the catalog cannot be fetched (after retries) or makes no sense. */
export class CatalogUnavailableError extends BatchError {
  constructor(message: string) {
    super(message, "catalog_unavailable", EXIT.USAGE);
  }
}

/** Raised when Runa's order list cannot be read to its end: a partial list would reconcile wrongly. */
export class OrderListUnavailableError extends BatchError {
  constructor(message: string) {
    super(`${message}; nothing was reconciled`, "order_list_unavailable", EXIT.USAGE);
  }
}

/** Raised when the journal forbids going on (a conflict, an expired key, another run holds the lock). */
export class JournalRefusal extends BatchError {
  constructor(message: string, code: JournalRefusalCode) {
    super(message, code, EXIT.USAGE);
  }
}

/**
 * Raised when a file or directory we would write is a symbolic link, not a plain file, or belongs
 * to another user: a planted link could redirect redemption links (cash) onto another file.
 */
export class UnsafePathError extends BatchError {
  constructor(message: string) {
    super(message, "unsafe_path", EXIT.USAGE);
  }
}

/** Errors of the disk rather than of the program: full, read-only, permission, a directory in the way. */
const STORAGE_CODES = new Set([
  "ENOSPC",
  "EDQUOT",
  "EROFS",
  "EACCES",
  "EPERM",
  "EISDIR",
  "ENOTDIR",
  "EIO",
  "EFBIG",
  "EMFILE",
  "ENFILE",
]);

export function isStorageFault(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && STORAGE_CODES.has((error as NodeJS.ErrnoException).code ?? "");
}

/** "ENOSPC (no space left on device)" from Node's "ENOSPC: no space left on device, write". */
export function describeFault(error: NodeJS.ErrnoException): string {
  const what = error.message.replace(/^[A-Z]+: /, "").split(",")[0];
  return `${error.code} (${what})`;
}

/**
 * Raised when a file of the run (journal, results, log, summary) could not be written part-way:
 * sending stopped, but orders may have been placed before; the message says which and what next.
 */
export class StorageError extends BatchError {
  constructor(message: string, cause: unknown) {
    super(message, "storage_failed", EXIT.STORAGE_FAILED, { cause });
  }
}
