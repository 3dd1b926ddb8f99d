#!/usr/bin/env node
// Runs dist/runa-batch.cjs: the CLI bundled into one CommonJS file by `npm run build` (npm install
// runs it through `prepare`). Node 20 cannot cache compiled ES modules, so the bundle is compiled
// here with the V8 code cache the build saved beside it: a start then skips compiling the code it
// runs. V8 ignores a cache another Node version made, and the CLI only starts slower.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

const bundle = fileURLToPath(new URL("../dist/runa-batch.cjs", import.meta.url));
const source = readOrUndefined(() => readFileSync(bundle, "utf8"));

if (source === undefined) {
  process.stderr.write("runa-batch: not built yet: run `npm install` (or `npm run build`) in its folder\n");
  process.exitCode = 1;
} else if (process.env.RUNA_BATCH_DEBUG) {
  // Stack traces name src/ lines through the source map, which Node applies to require() alone.
  process.setSourceMapsEnabled(true);
  createRequire(import.meta.url)(bundle);
} else {
  // The wrapper Node's require() puts around a CommonJS file.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData: readOrUndefined(() => readFileSync(`${bundle}.cache`)),
  });
  // The build sets this to save the cache after a real run, so it holds what that run compiled.
  const saveCacheTo = process.env.RUNA_BATCH_SAVE_CODE_CACHE;
  if (saveCacheTo) process.once("exit", () => writeFileSync(saveCacheTo, script.createCachedData()));
  const module = { exports: {} };
  // eslint-disable-next-line @typescript-eslint/no-unsafe-call -- the result is the wrapper compiled above, typed any
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}

/** @template T @param {() => T} read @returns {T | undefined} undefined when the file is not there */
function readOrUndefined(read) {
  try {
    return read();
  } catch (error) {
    if (error?.code === "ENOENT") return undefined;
    throw error;
  }
}
