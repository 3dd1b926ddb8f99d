// Module hooks for record-imports.mjs (they run on Node's loader thread).
import { appendFileSync } from "node:fs";

/** @type {string | undefined} */
let file;

/** @param {string | undefined} data */
export function initialize(data) {
  file = data;
}

/**
 * @param {string} url
 * @param {unknown} context
 * @param {(url: string, context: unknown) => Promise<unknown>} nextLoad
 */
export function load(url, context, nextLoad) {
  if (file) appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
