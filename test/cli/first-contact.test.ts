// What a first-time user meets before any command: the version, help with no arguments, completion.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };

describe("the CLI's first contact", () => {
  it("--version prints package.json's version and exits 0", async () => {
    const result = await runCli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(manifest.version);
  });

  it("no arguments prints the help listing every command, not an error", async () => {
    const result = await runCli([]);
    expect(result.code).toBe(0);
    for (const command of ["run", "validate", "status", "catalog", "template", "simulator", "completion"]) {
      expect(result.stdout).toContain(`runa-batch ${command}`);
    }
    expect(result.stderr).toBe("");
  });

  it("completion prints a shell script, and the script's query lists the commands and a command's flags", async () => {
    const script = await runCli(["completion"]);
    expect(script.code).toBe(0);
    expect(script.stdout).toContain("complete -o bashdefault -o default -F _runa-batch_yargs_completions runa-batch");

    const commands = await runCli(["--get-yargs-completions", "runa-batch", ""]);
    expect(commands.stdout.split("\n")).toEqual(expect.arrayContaining(["run", "validate", "status", "template"]));
    const flags = await runCli(["--get-yargs-completions", "runa-batch", "run", "--"]);
    expect(flags.stdout.split("\n")).toEqual(expect.arrayContaining(["--batch-id", "--skip-invalid", "--bom"]));
  });
});
