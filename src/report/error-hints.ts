// What to do about each way a row can end other than COMPLETED: one line per Runa error type (and
// per outcome of ours), shown in the end-of-run summary. The README's troubleshooting table says
// the same at more length.
import type { RunaErrorType } from "../runa/error-types.ts";

/** Error types of ours in the results CSV's error_type, beside Runa's. */
type OwnErrorType =
  "order_failed" | "unmatched_item" | "invalid_row" | "unknown_outcome" | "stuck_key" | "rate_exceeded" | "interrupted";

const checkKey =
  "the API key is wrong for this environment: check RUNA_API_KEY / --api-key-file and --env, then re-run";

/** Hints by the results CSV's error_type: every Runa type has one (a missing one is a type error). */
export const ERROR_HINTS: Record<RunaErrorType | OwnErrorType, string> = {
  insufficient_funds: "top up the account balance, then re-run: these rows are ordered under a new key",
  product_validation_error: "Runa refused the product or amount: check `runa-batch catalog`, fix the rows, re-run",
  currency_mismatch: "the currency is not the product's: fix the rows' currency or product, re-run",
  payment_method_unavailable: "the account cannot pay in this currency: ask Runa to enable it, then re-run",
  ordering_restricted: "the account's spending limit is reached: have it raised with Runa, then re-run",
  validation_error: "Runa refused a field (see error_message): fix the rows, re-run",
  bad_request: "Runa refused the request (see error_message): fix the rows, re-run",
  insecure_protocol: "Runa refuses plain HTTP: use an https:// base URL",
  invalid_execution_mode: "Runa refused the execution mode this tool sends: report it (Runa may have changed the API)",
  invalid_version: "Runa refused the API version this tool sends: upgrade runa-batch",
  version_removed: "Runa removed the API version this tool speaks: upgrade runa-batch, then re-run",
  pagination_error: "a listing failed: re-run with --refresh-catalog; report it if it persists",
  idempotency_validation_error:
    "a key was re-sent with a different body: the journal or file changed under it; do not edit journals; report it",
  idempotency_in_progress: "Runa was still handling the first request with this key: re-run; the same key is re-sent",
  unauthorized: checkKey,
  invalid_api_key: checkKey,
  forbidden: "the key may not do this: check its permissions in the Runa dashboard, then re-run",
  not_found: "Runa does not know this product or order: check the code with `runa-batch catalog`",
  internal_server_error:
    "Runa failed to answer after every retry: re-run later; the same key is re-sent, never paid twice",
  timeout: "Runa timed out after every retry: re-run later; the same key is re-sent, never paid twice",
  rate_exceeded: "still rate limited after every retry: lower --rate, or share one budget with --redis-url; re-run",
  order_failed: "Runa reported the order FAILED: a re-run orders these rows again under a new key",
  unmatched_item:
    "the order COMPLETED but its items could not be matched to rows: check the order in the Runa dashboard",
  interrupted:
    "accepted by Runa, but the run was interrupted before they finished: re-run to collect the links (nothing is re-sent)",
  invalid_row: "fix the rows (see error_message or the error CSV), then re-run",
  unknown_outcome:
    "no answer came back: re-run; the same key is re-sent and Runa replays the first answer, never pays twice",
  stuck_key:
    "Runa replays a stored 5xx for this key: check whether Runa holds an order for it (`runa-batch reconcile` or the dashboard); only if not, re-send these rows under a new key with --rekey (see below)",
};

/** Hints by status, when the error type has none of its own. */
export const STATUS_HINTS: Record<string, string> = {
  NOT_SENT: "not sent yet (the run stopped first): re-run to send them",
  PENDING: "still processing at the poll timeout: re-run later to collect the links (nothing is re-sent)",
  ERROR: "outcome unknown after every retry: re-run; the same key is re-sent, Runa replays, never pays twice",
  FAILED: "Runa reported the order FAILED: a re-run orders these rows again under a new key",
  REJECTED: "Runa refused these rows: fix the cause, then re-run (a new key is used)",
  INVALID: "fix the rows, then re-run",
};

export function hintFor(status: string, errorType: string): string {
  return (
    (Object.hasOwn(ERROR_HINTS, errorType) ? ERROR_HINTS[errorType as keyof typeof ERROR_HINTS] : undefined) ??
    STATUS_HINTS[status] ??
    ""
  );
}
