// Vitest global setup: the end-to-end tests run the real bin, which runs dist/. Rebuilding here
// (incrementally: about two seconds when nothing changed) means no test ever runs a stale build.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { REPO_ROOT } from "./cli.ts";

export default function build(): void {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: REPO_ROOT, stdio: "inherit" });
}
