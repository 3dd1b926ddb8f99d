// Real money needs a yes: an unattended production run without --yes is refused before its first
// request; on a terminal the cost is shown and only "y" goes on. Keys never come from a flag.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, runCli, workDir } from "../helpers/cli.ts";
import { simulator } from "../helpers/simulator.ts";
import { HAS_SCRIPT, runInTerminal } from "./helpers.ts";

const SAMPLE = fixture("sample-rewards.csv");

describe("production guard", () => {
  it("refuses --env production without --yes and without a terminal, before any request", async () => {
    const sim = await simulator();
    const result = await runCli(["run", SAMPLE, "--env", "production", "--base-url", sim.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /--env production spends real money and there is no terminal to confirm on; nothing was sent to Runa/,
    );
    expect(sim.state.requests).toHaveLength(0);
  });

  it("leaves a stopped summary for a cron run refused for want of --yes or a batch id, not the last run's", async () => {
    const sim = await simulator({ ordersPerMinute: 10_000 });
    const cwd = workDir();
    const args = ["run", SAMPLE, "--env", "production", "--base-url", sim.url, "--rate", "10000"];
    const paid = await runCli([...args, "--batch-id", "sample-rewards", "--yes"], { cwd });
    expect(paid.code, paid.stderr).toBe(0);
    const summary = join(cwd, "output", "sample-rewards.summary.json");
    expect(JSON.parse(readFileSync(summary, "utf8"))).toMatchObject({
      batchId: "sample-rewards",
      statuses: { COMPLETED: 15 },
    });
    const posts = sim.state.countOrderPosts();

    // The next period's cron line forgot --yes: before, summary.json still said the earlier run COMPLETED every row.
    const unconfirmed = await runCli([...args, "--batch-id", "sample-rewards"], { cwd });
    expect(unconfirmed.code).toBe(1);
    expect(JSON.parse(readFileSync(summary, "utf8"))).toMatchObject({
      batchId: "sample-rewards",
      stopped: true,
      exitCode: 1,
      error: "confirmation_required",
    });
    const unnamed = await runCli([...args, "--yes"], { cwd });
    expect(unnamed.code).toBe(1);
    expect(JSON.parse(readFileSync(summary, "utf8"))).toMatchObject({ stopped: true, error: "batch_id_required" });
    expect(sim.state.countOrderPosts()).toBe(posts);
  });

  it("counts RUNA_ENV=production the same as the flag", async () => {
    const sim = await simulator();
    const result = await runCli(["run", SAMPLE, "--base-url", sim.url], { env: { RUNA_ENV: "production" } });
    expect(result.code).toBe(1);
    expect(sim.state.requests).toHaveLength(0);
  });

  it("goes on unattended with --yes", async () => {
    const sim = await simulator({ ordersPerMinute: 10_000 });
    const result = await runCli([
      "run",
      SAMPLE,
      "--env",
      "production",
      "--batch-id",
      "sample-rewards",
      "--yes",
      "--base-url",
      sim.url,
      "--rate",
      "3000",
    ]);
    expect(result.code).toBe(0);
    expect(sim.state.countOrders()).toBe(15);
  });

  it.skipIf(!HAS_SCRIPT)("on a terminal shows the cost and orders nothing unless the answer is y", async () => {
    const sim = await simulator({ ordersPerMinute: 10_000 });
    const cwd = workDir();
    const no = await runInTerminal(
      ["run", SAMPLE, "--env", "production", "--batch-id", "sample-rewards", "--base-url", sim.url, "--rate", "3000"],
      { cwd, answer: { when: /\[y\/N\] $/, text: "n\n" } },
    );
    expect(no.stdout).toMatch(/PRODUCTION: batch sample-rewards orders real gift cards/);
    expect(no.stdout).toMatch(/USD\s+8\s+298\.97\s/);
    expect(no.stdout).toContain("not confirmed: nothing was ordered");
    expect(no.code).toBe(1);
    expect(sim.state.countOrderPosts()).toBe(0);

    const yes = await runInTerminal(
      ["run", SAMPLE, "--env", "production", "--batch-id", "sample-rewards", "--base-url", sim.url, "--rate", "3000"],
      { cwd, answer: { when: /\[y\/N\] $/, text: "y\n" } },
    );
    expect(yes.code).toBe(0);
    expect(sim.state.countOrders()).toBe(15);
  });
});

describe("where settings come from", () => {
  it("refuses an API key on the command line", async () => {
    const result = await runCli(["run", SAMPLE, "--simulate", "--api-key", "rk_on_the_command_line"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--api-key is refused");
    expect(result.stderr).not.toContain("rk_on_the_command_line");
  });

  it("takes a setting from the config file, a RUNA_* variable over it, and a flag over both", async () => {
    const sim = await simulator();
    const cwd = workDir();
    writeFileSync(join(cwd, "runa-batch.json"), JSON.stringify({ env: "production", "base-url": sim.url }));
    // env from the file (production, no --yes, no terminal): refused before any request
    expect((await runCli(["run", SAMPLE], { cwd })).code).toBe(1);
    expect(sim.state.requests).toHaveLength(0);
    // RUNA_ENV beats the file; the file's base-url still applies (the run reaches the simulator)
    const byEnv = await runCli(["validate", SAMPLE], { cwd, env: { RUNA_ENV: "playground" } });
    expect(byEnv.code).toBe(0);
    expect(sim.state.requests.length).toBeGreaterThan(0);
    // a flag beats both
    expect(
      (await runCli(["validate", SAMPLE, "--base-url", "http://127.0.0.1:9"], { cwd, env: { RUNA_ENV: "playground" } }))
        .code,
    ).not.toBe(0);
  });

  it("refuses a config file holding the key unless it is owner-only, and names unknown settings", async () => {
    const cwd = workDir();
    const config = join(cwd, "settings.json");
    writeFileSync(config, JSON.stringify({ "api-key": "rk_in_a_file" }));
    chmodSync(config, 0o644);
    const open = await runCli(["validate", SAMPLE, "--config", config], { cwd, env: { RUNA_API_KEY: "" } });
    expect(open.code).toBe(1);
    expect(open.stderr).toContain("holds an API key and is readable by others; run: chmod 600");
    writeFileSync(config, JSON.stringify({ rates: 10 }));
    const typo = await runCli(["validate", SAMPLE, "--config", config], { cwd });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('unknown setting "rates"');
  });
});
