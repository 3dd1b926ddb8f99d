// Runa's error `type`s, API version 2024-02-05. The vendored OpenAPI spec gives only the error body's
// shape ({type, message, help}, 422 adding `details`); the types themselves are listed in Runa's
// error reference, with the status each comes with. Code that branches on a type names it through
// this list, so a typo is a type error instead of a rule that silently never matches.
export const RUNA_ERROR_TYPES = [
  // 400
  "bad_request",
  "insecure_protocol",
  "insufficient_funds",
  "product_validation_error",
  "currency_mismatch",
  "payment_method_unavailable",
  "invalid_execution_mode",
  "invalid_version",
  "pagination_error",
  "idempotency_validation_error",
  "idempotency_in_progress", // also documented as HTTP 102
  // 401
  "unauthorized",
  "invalid_api_key",
  // 403
  "forbidden",
  "ordering_restricted", // the account's spending limit
  // 404, 410, 422, 500, 504
  "not_found",
  "version_removed",
  "validation_error",
  "internal_server_error",
  "timeout",
] as const;

export type RunaErrorType = (typeof RUNA_ERROR_TYPES)[number];

/**
 * Whether an answer's type (a free string off the wire, or undefined) is `expected`. A type Runa
 * adds later is in no list of ours: it never matches, and the status alone decides what happens.
 */
export function errorTypeIs(type: string | undefined, expected: RunaErrorType): boolean {
  return type === expected;
}
