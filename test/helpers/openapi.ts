// Contract validator: checks requests and responses against Runa's OpenAPI 3.1 spec (2024-02-05).
// The spec's schemas are JSON Schema 2020-12 apart from OpenAPI's `nullable` (3.0 style), which is
// rewritten into a "null" type; `example`/`summary` are ignored (strict: false). Each schema is
// compiled once, on first use, and cached by its JSON pointer.
import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

/** Runa's spec, vendored in the repository (vendor/runa/README.md says where it came from). */
export const SPEC_URL = new URL("../../vendor/runa/runa-openapi-2024-02-05.json", import.meta.url);
const SPEC_ID = "runa-openapi.json";
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

type JsonObject = Record<string, unknown>;

interface Parameter {
  name: string;
  in: "query" | "header" | "path" | "cookie";
  required?: boolean;
  schema?: JsonObject;
}

export interface Operation {
  method: string;
  /** The spec's path template, e.g. /order/{id}. */
  template: string;
  pointer: string;
  definition: JsonObject;
}

const spec = normaliseNullable(JSON.parse(readFileSync(SPEC_URL, "utf8"))) as JsonObject;

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addFormat("decimal", /^-?\d+(?:\.\d+)?$/);
ajv.addFormat("html", true);
ajv.addSchema(spec, SPEC_ID);

const compiled = new Map<string, ValidateFunction>();

function validatorAt(pointer: string): ValidateFunction {
  let validate = compiled.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate;
}

function run(pointer: string, value: unknown, where: string): string[] {
  const validate = validatorAt(pointer);
  return validate(value) ? [] : formatErrors(validate.errors ?? [], where);
}

function formatErrors(errors: ErrorObject[], where: string): string[] {
  return errors.map(
    (error) => `${where}${error.instancePath || ""} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`,
  );
}

const escapePointer = (segment: string): string => segment.replaceAll("~", "~0").replaceAll("/", "~1");

function at(pointer: string): unknown {
  let node: unknown = spec;
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    node = (node as JsonObject | undefined)?.[segment];
  }
  return node;
}

/** Follows a `$ref` (local to the spec) to its target and returns the target with its pointer. */
function deref(node: unknown, pointer: string): { node: JsonObject; pointer: string } {
  let current = node as JsonObject;
  let currentPointer = pointer;
  while (typeof current?.["$ref"] === "string") {
    currentPointer = current["$ref"].replace(/^#/, "");
    current = at(currentPointer) as JsonObject;
  }
  return { node: current, pointer: currentPointer };
}

const templates = Object.keys(spec["paths"] as JsonObject).map((template) => ({
  template,
  // Literal segments win over parameters: /product/countries is not /product/{product_code}.
  literalSegments: template.split("/").filter((segment) => !segment.startsWith("{")).length,
  pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
}));
templates.sort((a, b) => b.literalSegments - a.literalSegments);

/** The path relative to the API base: accepts "/order/O-1", "/order?limit=5", full URLs and a "/v2" prefix. */
function apiPath(path: string): { pathname: string; query: URLSearchParams } {
  const url = new URL(path, "http://api.invalid");
  return { pathname: url.pathname.replace(/^\/v2(?=\/)/, "").replace(/(?<=.)\/+$/, ""), query: url.searchParams };
}

/** The spec operation for a method and a path (see apiPath), or undefined when the spec has none. */
export function findOperation(method: string, path: string): Operation | undefined {
  const { pathname } = apiPath(path);
  const lower = method.toLowerCase() as (typeof METHODS)[number];
  for (const { template, pattern } of templates) {
    if (!pattern.test(pathname)) continue;
    const pointer = `/paths/${escapePointer(template)}/${lower}`;
    const definition = at(pointer);
    if (definition && METHODS.includes(lower))
      return { method: lower, template, pointer, definition: definition as JsonObject };
  }
  return undefined;
}

function operationOrError(method: string, path: string): Operation | string {
  return findOperation(method, path) ?? `no operation ${method.toUpperCase()} ${apiPath(path).pathname} in the spec`;
}

/** Errors of a JSON request body against the operation's requestBody schema (empty when valid). */
export function validateRequestBody(method: string, path: string, body: unknown): string[] {
  const operation = operationOrError(method, path);
  if (typeof operation === "string") return [operation];
  const requestBody = operation.definition["requestBody"];
  if (requestBody === undefined) return body === undefined ? [] : [`${operation.template} takes no request body`];
  const { node, pointer } = deref(requestBody, `${operation.pointer}/requestBody`);
  if (body === undefined) return node["required"] === true ? ["request body is required"] : [];
  return run(`${pointer}/content/application~1json/schema`, body, "body");
}

/**
 * Errors of a whole request: header, query and path parameters (required ones present, values per
 * their schema, query values coerced from text) and the JSON body. Header names are matched
 * case-insensitively. `body` is the parsed JSON or undefined.
 */
export function validateRequest(request: {
  method: string;
  path: string;
  headers?: Record<string, string | undefined>;
  body?: unknown;
}): string[] {
  const operation = operationOrError(request.method, request.path);
  if (typeof operation === "string") return [operation];
  const { query } = apiPath(request.path);
  const headers = new Map(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const errors: string[] = [];
  const parameters = (operation.definition["parameters"] as unknown[] | undefined) ?? [];
  parameters.forEach((raw, index) => {
    const { node, pointer } = deref(raw, `${operation.pointer}/parameters/${index}`);
    const parameter = node as unknown as Parameter;
    const text =
      parameter.in === "header"
        ? headers.get(parameter.name.toLowerCase())
        : parameter.in === "query"
          ? query.getAll(parameter.name)
          : undefined;
    const missing = text === undefined || (Array.isArray(text) && text.length === 0);
    if (missing) {
      if (parameter.required === true && parameter.in !== "path")
        errors.push(`${parameter.in} parameter ${parameter.name} is required`);
      return;
    }
    if (!parameter.schema) return;
    errors.push(...run(`${pointer}/schema`, coerce(text, parameter.schema), `${parameter.in} ${parameter.name}`));
  });
  errors.push(...validateRequestBody(request.method, request.path, request.body));
  return errors;
}

/** Query and header values arrive as text; turn them into what the parameter's schema describes. */
function coerce(text: string | string[], schema: JsonObject): unknown {
  const values = Array.isArray(text) ? text : [text];
  if (schema["type"] === "array") return values.flatMap((value) => value.split(","));
  const [value = ""] = values;
  if (schema["type"] === "integer" || schema["type"] === "number")
    return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (schema["type"] === "boolean") return value === "true" ? true : value === "false" ? false : value;
  return value;
}

/**
 * Errors of a response body against the schema the spec gives for that status (the exact code, then
 * "4XX"-style ranges, then "default"). A status the spec does not document is itself an error; check
 * such bodies with validateSchema (e.g. "APIErrorResponse").
 */
export function validateResponse(method: string, path: string, status: number, body: unknown): string[] {
  const operation = operationOrError(method, path);
  if (typeof operation === "string") return [operation];
  const responses = operation.definition["responses"] as JsonObject;
  const code = [String(status), `${String(status).charAt(0)}XX`, "default"].find((candidate) => candidate in responses);
  if (code === undefined)
    return [`status ${status} is not documented for ${operation.method.toUpperCase()} ${operation.template}`];
  const { node, pointer } = deref(responses[code], `${operation.pointer}/responses/${code}`);
  const content = node["content"] as JsonObject | undefined;
  if (!content?.["application/json"])
    return body === undefined || body === "" ? [] : [`status ${status} has no body in the spec`];
  return run(`${pointer}/content/application~1json/schema`, body, "response");
}

/** Errors of a value against a named schema of components/schemas (e.g. "Product", "APIErrorResponse"). */
export function validateSchema(name: string, value: unknown): string[] {
  if (at(`/components/schemas/${escapePointer(name)}`) === undefined) return [`no schema ${name} in the spec`];
  return run(`/components/schemas/${escapePointer(name)}`, value, name);
}

/** OpenAPI 3.0's `nullable: true` means "or null"; JSON Schema 2020-12 spells that with a type list. */
function normaliseNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normaliseNullable);
  if (typeof node !== "object" || node === null) return node;
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(node)) copy[key] = normaliseNullable(value);
  if (copy["nullable"] !== true) return copy;
  delete copy["nullable"];
  if (typeof copy["type"] === "string") {
    copy["type"] = [copy["type"], "null"];
    if (Array.isArray(copy["enum"])) copy["enum"] = [...copy["enum"], null];
    return copy;
  }
  return { anyOf: [copy, { type: "null" }] };
}
