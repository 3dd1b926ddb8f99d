// Vitest global setup: the end-to-end tests run the real bin, which runs the bundle in dist/.
// Rebuilding here (tsc incrementally, then the bundle and its code cache: a few seconds) means no
// test ever runs a stale build.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { REPO_ROOT } from "./cli.ts";

export default function build(): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: REPO_ROOT, stdio: "inherit" });
  execFileSync(process.execPath, [join(REPO_ROOT, "scripts", "bundle.mjs")], { cwd: REPO_ROOT, stdio: "inherit" });
}
