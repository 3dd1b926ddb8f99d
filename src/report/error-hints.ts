// What to do about each way a row can end other than COMPLETED: one line per Runa error type (and
// per outcome of ours), shown in the end-of-run summary. The README's troubleshooting table says
// the same at more length.

/** Hints by the results CSV's error_type. */
export const ERROR_HINTS: Record<string, string> = {
  insufficient_funds: "top up the account balance, then re-run: these rows are ordered under a new key",
  product_validation_error: "Runa refused the product or amount: check `runa-batch catalog`, fix the rows, re-run",
  currency_mismatch: "the currency is not the product's: fix the rows' currency or product, re-run",
  payment_method_unavailable: "the account cannot pay in this currency: ask Runa to enable it",
  ordering_restricted: "the account's spending limit is reached: have it raised with Runa, then re-run",
  validation_error: "Runa refused a field (see error_message): fix the rows, re-run",
  bad_request: "Runa refused the request (see error_message): fix the rows, re-run",
  idempotency_validation_error: "a key was re-sent with a different body: the journal or file changed under it; do not edit journals; report it",
  unauthorized: "the API key is wrong for this environment: check RUNA_API_KEY / --api-key-file and --env",
  invalid_api_key: "the API key is wrong for this environment: check RUNA_API_KEY / --api-key-file and --env",
  forbidden: "the key may not do this: check its permissions in the Runa dashboard",
  not_found: "Runa does not know this product or order: check the code with `runa-batch catalog`",
  order_failed: "Runa reported the order FAILED and refunded it: a re-run orders these rows again under a new key",
  unmatched_item: "the order COMPLETED but its items could not be matched to rows: check the order in the Runa dashboard",
  invalid_row: "fix the rows (see error_message or the error CSV), then re-run",
  unknown_outcome: "no answer came back: re-run; the same key is re-sent and Runa replays the first answer, never pays twice",
};

/** Hints by status, when the error type has none of its own. */
export const STATUS_HINTS: Record<string, string> = {
  NOT_SENT: "not sent yet (the run stopped first): re-run to send them",
  PENDING: "still processing at the poll timeout: re-run later to collect the links (nothing is re-sent)",
  ERROR: "outcome unknown after every retry: re-run; the same key is re-sent, Runa replays, never pays twice",
  FAILED: "Runa reported the order FAILED and refunded it: a re-run orders these rows again under a new key",
  REJECTED: "Runa refused these rows: fix the cause, then re-run (a new key is used)",
  INVALID: "fix the rows, then re-run",
};

export function hintFor(status: string, errorType: string): string {
  return ERROR_HINTS[errorType] ?? STATUS_HINTS[status] ?? "";
}
