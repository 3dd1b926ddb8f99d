"use strict";
// Bundled in place of string-width (scripts/bundle.mjs). string-width builds an Intl.Segmenter and a
// \p{RGI_Emoji} pattern as it loads, about 30 ms: more than node's whole start. Printable ASCII
// (all of our help) is as wide as it is long, the shortcut string-width itself takes first; any
// other text loads it.
const PRINTABLE_ASCII = /^[\u0020-\u007E]*$/;
/** @type {typeof import("string-width").default | undefined} */
let stringWidth;

/** @param {string} text @param {import("string-width").Options} [options] */
module.exports = function lazyStringWidth(text, options) {
  if (typeof text === "string" && PRINTABLE_ASCII.test(text)) return text.length;
  stringWidth ??= /** @type {typeof import("string-width")} */ (require("string-width")).default;
  return stringWidth(text, options);
};
