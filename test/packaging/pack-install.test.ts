// What a user installs: `npm pack` -> `npm install --global <tarball>` gives a working `runa-batch`
// on PATH, which runs from any folder, with nothing of the clone beside it.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
const npm = (args: string[], cwd: string): string =>
  // --ignore-scripts: dist/ was just built by the test set-up, and rebuilding it here would rewrite it
  // under the other tests' feet. --prefer-offline: `npm ci` filled the cache with every dependency.
  execFileSync("npm", [...args, "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });

describe("the packed package", () => {
  it("ships only what runs, installs into a fresh prefix, and runs --version, template and a --simulate run from another folder", () => {
    const scratch = mkdtempSync(join(tmpdir(), "runa-batch-pack-"));
    const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", scratch], REPO_ROOT)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const shipped = packed!.files.map((file) => file.path);
    expect(shipped).toEqual(
      expect.arrayContaining([
        "bin/runa-batch.js",
        "dist/runa-batch.cjs",
        "dist/runa-batch.cjs.cache",
        "fixtures/catalog.json",
        "LICENSE",
        "README.md",
        "package.json",
      ]),
    );
    expect(
      shipped.filter(
        (path) =>
          /^(test|bench|src|vendor|\.ci)\/|\.ts$|tsbuildinfo/.test(path) ||
          (path.startsWith("fixtures/") && path !== "fixtures/catalog.json"),
      ),
    ).toEqual([]);

    const prefix = join(scratch, "prefix");
    npm(["install", "--global", "--prefix", prefix, join(scratch, packed!.filename)], scratch);
    const elsewhere = mkdtempSync(join(tmpdir(), "runa-batch-user-"));
    // Only the installed bin and node itself on PATH: nothing of the clone can be picked up.
    const env = { PATH: `${join(prefix, "bin")}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: elsewhere };
    const cli = (args: string[]) =>
      spawnSync("runa-batch", args, { cwd: elsewhere, env, encoding: "utf8", timeout: 120_000 });

    const version = cli(["--version"]);
    expect(version.stdout.trim()).toBe(manifest.version);
    expect(version.status).toBe(0);

    expect(cli(["template", "--simulate"]).status).toBe(0);
    const run = cli(["run", "rewards-template.csv", "--simulate", "--rate", "6000"]);
    expect(run.stderr).not.toContain("unexpected error");
    expect(run.status).toBe(0);
    const results = readResults(join(elsewhere, "output", "rewards-template.results.csv"));
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((row) => row.status === "COMPLETED" && row.redemption_url !== "")).toBe(true);
    expect(readdirSync(join(prefix, "lib", "node_modules"))).toEqual(["runa-batch"]);
  }, 240_000);
});
