"use strict";
// Bundled in place of http2-wrapper (scripts/bundle.mjs). got imports it as it loads, and it builds a
// TLS socket at once to reach an internal class, which makes Node load every root certificate: about
// 40 ms before any request, even one to the simulator over plain HTTP. got uses it only for HTTP/2,
// which runa-batch never asks for; the real module loads on first use.
/** @type {Record<string | symbol, unknown> | undefined} */
let http2Wrapper;

module.exports = new Proxy(
  {},
  {
    get: (_target, key) =>
      (http2Wrapper ??= /** @type {Record<string | symbol, unknown>} */ (require("http2-wrapper")))[key],
  },
);
