// Validation of a POST /order body against the spec's NewOrderDetails schema, written out by hand so
// the simulator does not need the spec file (outside the repo) or ajv (a dev dependency) at run time.
// test/simulator/validate-order.test.ts checks it agrees with ajv on the spec itself.

export interface ValidationDetail {
  type: string;
  message: string;
  location: string[];
}

/** Same expression as ajv-formats' "email" (fast mode), so the simulator and the contract tests agree. */
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const CURRENCY = /^[A-Z]{3}$/;
const RECIPIENT_REFERENCE = /^[A-Za-z0-9-_@.]+$/;
const SPEND_RULES_TEMPLATE = /^PSR-[0-9A-HJKMNP-TV-Z]{26}$/;
export const MAX_ITEMS = 200;
const MAX_DESCRIPTION = 128;
const MAX_METADATA_PAIRS = 20;
const MAX_METADATA_KEY = 40;
const MAX_METADATA_VALUE = 200;

type Json = unknown;

class Checker {
  readonly details: ValidationDetail[] = [];

  fail(location: string[], type: string, message: string): void {
    this.details.push({ type, message, location: ["body", ...location] });
  }

  object(value: Json, location: string[]): Record<string, Json> | undefined {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, Json>;
    this.fail(location, "object_type", "must be an object");
    return undefined;
  }

  /** The field's value, or undefined after recording it as missing. */
  required(parent: Record<string, Json>, field: string, location: string[]): Json {
    if (field in parent) return parent[field];
    this.fail([...location, field], "missing", "field required");
    return undefined;
  }

  string(
    value: Json,
    location: string[],
    rules: { minLength?: number; maxLength?: number; pattern?: RegExp } = {},
  ): void {
    if (typeof value !== "string") return this.fail(location, "string_type", "must be a string");
    if (rules.minLength !== undefined && value.length < rules.minLength) {
      this.fail(location, "string_too_short", `must have at least ${rules.minLength} characters`);
    }
    if (rules.maxLength !== undefined && value.length > rules.maxLength) {
      this.fail(location, "string_too_long", `must have at most ${rules.maxLength} characters`);
    }
    if (rules.pattern && !rules.pattern.test(value))
      this.fail(location, "string_pattern_mismatch", `must match ${rules.pattern.source}`);
  }

  literal(value: Json, location: string[], allowed: readonly string[]): void {
    if (typeof value !== "string" || !allowed.includes(value)) {
      this.fail(location, "enum", `must be one of ${allowed.join(", ")}`);
    }
  }
}

/** Details of every way `body` breaks NewOrderDetails; empty when it is valid. */
export function validateNewOrder(body: Json): ValidationDetail[] {
  const check = new Checker();
  const order = check.object(body, []);
  if (!order) return check.details;

  const payment = check.required(order, "payment_method", []);
  if (payment !== undefined) {
    const method = check.object(payment, ["payment_method"]);
    if (method) {
      const type = check.required(method, "type", ["payment_method"]);
      if (type !== undefined) check.literal(type, ["payment_method", "type"], ["ACCOUNT_BALANCE"]);
      const currency = check.required(method, "currency", ["payment_method"]);
      if (currency !== undefined) check.string(currency, ["payment_method", "currency"], { pattern: CURRENCY });
    }
  }

  const items = check.required(order, "items", []);
  if (items !== undefined) {
    if (!Array.isArray(items)) check.fail(["items"], "array_type", "must be an array");
    else {
      if (items.length < 1) check.fail(["items"], "too_short", "must have at least 1 item");
      if (items.length > MAX_ITEMS) check.fail(["items"], "too_long", `must have at most ${MAX_ITEMS} items`);
      items.forEach((item: Json, index) => validateItem(check, item, ["items", String(index)]));
    }
  }

  if ("metadata" in order && order["metadata"] !== null) validateMetadata(check, order["metadata"]);
  // `description` is not in the spec's NewOrderDetails, but Runa documents it (<= 128 characters).
  if ("description" in order && order["description"] !== null) {
    check.string(order["description"], ["description"], { maxLength: MAX_DESCRIPTION });
  }
  return check.details;
}

function validateItem(check: Checker, value: Json, at: string[]): void {
  const item = check.object(value, at);
  if (!item) return;
  const faceValue = check.required(item, "face_value", at);
  if (faceValue !== undefined) {
    if (typeof faceValue !== "number") check.fail([...at, "face_value"], "number_type", "must be a number");
    else if (faceValue < 0.01) check.fail([...at, "face_value"], "greater_than_equal", "must be >= 0.01");
  }
  const distribution = check.required(item, "distribution_method", at);
  if (distribution !== undefined) validateDistribution(check, distribution, [...at, "distribution_method"]);
  const products = check.required(item, "products", at);
  if (products !== undefined) validateProducts(check, products, [...at, "products"]);
}

/** An object with a `type` among `types` (the spec's oneOf by type); undefined when there is none to go on. */
function typed(
  check: Checker,
  value: Json,
  at: string[],
  types: readonly string[],
): { object: Record<string, Json>; type: Json } | undefined {
  const object = check.object(value, at);
  if (!object) return undefined;
  const type = check.required(object, "type", at);
  if (type === undefined) return undefined;
  check.literal(type, [...at, "type"], types);
  return { object, type };
}

function validateDistribution(check: Checker, value: Json, at: string[]): void {
  const found = typed(check, value, at, ["EMAIL", "PAYOUT_LINK", "RECIPIENT"]);
  if (!found) return;
  const { object: method, type } = found;
  if ("template_id" in method) check.string(method["template_id"], [...at, "template_id"]);
  if (type === "EMAIL" || type === "RECIPIENT") {
    const email = check.required(method, "email_address", at);
    if (email !== undefined) check.string(email, [...at, "email_address"], { pattern: EMAIL });
  }
  if (type === "RECIPIENT") {
    const reference = check.required(method, "recipient_reference", at);
    if (reference !== undefined) {
      check.string(reference, [...at, "recipient_reference"], { maxLength: 255, pattern: RECIPIENT_REFERENCE });
    }
  }
}

function validateProducts(check: Checker, value: Json, at: string[]): void {
  const found = typed(check, value, at, ["SINGLE", "MULTIPLE", "TEMPLATE"]);
  if (!found) return;
  const { object: products, type } = found;
  if (type === "SINGLE") {
    const code = check.required(products, "value", at);
    if (code !== undefined) check.string(code, [...at, "value"], { minLength: 1 });
    if ("usage_config" in products) {
      const config = check.object(products["usage_config"], [...at, "usage_config"]);
      if (config && "spend_rules_template_id" in config) {
        check.string(config["spend_rules_template_id"], [...at, "usage_config", "spend_rules_template_id"], {
          pattern: SPEND_RULES_TEMPLATE,
        });
      }
    }
  } else if (type === "MULTIPLE") {
    const codes = check.required(products, "values", at);
    if (codes === undefined) return;
    if (!Array.isArray(codes)) return check.fail([...at, "values"], "array_type", "must be an array");
    if (codes.length < 2) check.fail([...at, "values"], "too_short", "must have at least 2 items");
    codes.forEach((code: Json, index) => check.string(code, [...at, "values", String(index)]));
    if (new Set(codes.map((code: Json) => JSON.stringify(code))).size !== codes.length) {
      check.fail([...at, "values"], "unique_items", "must not contain duplicates");
    }
  } else if (type === "TEMPLATE") {
    const id = check.required(products, "template_id", at);
    if (id !== undefined) check.string(id, [...at, "template_id"]);
  }
}

function validateMetadata(check: Checker, value: Json): void {
  const metadata = check.object(value, ["metadata"]);
  if (!metadata) return;
  const entries = Object.entries(metadata);
  if (entries.length > MAX_METADATA_PAIRS)
    check.fail(["metadata"], "too_long", `must have at most ${MAX_METADATA_PAIRS} pairs`);
  for (const [key, entry] of entries) {
    if (key.length > MAX_METADATA_KEY)
      check.fail(["metadata", key], "string_too_long", `keys must have at most ${MAX_METADATA_KEY} characters`);
    check.string(entry, ["metadata", key], { maxLength: MAX_METADATA_VALUE });
  }
}
