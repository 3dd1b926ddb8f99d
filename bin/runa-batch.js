#!/usr/bin/env node
// Runs the JavaScript that `npm run build` compiles to dist/ (npm install runs it through `prepare`).
// Compiled ahead of time so each start skips a TypeScript compile.
try {
  await import("../dist/main.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("dist/main.js")) throw error;
  process.stderr.write("runa-batch: not built yet: run `npm install` (or `npm run build`) in its folder\n");
  process.exitCode = 1;
}
