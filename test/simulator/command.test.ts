// The `simulator` command module: flags to options, start, print the URL, stop on a signal.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import yargs from "yargs";
import { simulatorCommand, simulatorOptionsFromFlags } from "../../src/commands/simulator.ts";
import { UsageError } from "../../src/errors.ts";

describe("simulatorOptionsFromFlags", () => {
  it("maps every flag", () => {
    const directory = mkdtempSync(join(tmpdir(), "sim-key-"));
    writeFileSync(join(directory, "key"), "s3cret\n");
    expect(
      simulatorOptionsFromFlags({
        port: 0,
        apiKeyFile: join(directory, "key"),
        rate: 30,
        completionDelayMs: 50,
        failureRate: 0.1,
        serverErrorRate: 0.2,
        storeServerErrors: true,
        timeoutRate: 0.3,
        dropAfterCommitRate: 0.4,
        latencyMs: 5,
        rateLimitEvery: 10,
        rateLimitLength: 2,
        slowCompletionRate: 0.5,
        idempotencyInProgressRate: 0.6,
        seed: 9,
        playground: true,
        balance: ["USD=10.00", "GBP=5"],
      }),
    ).toEqual({
      port: 0,
      apiKey: "s3cret",
      ordersPerMinute: 30,
      completionDelayMs: 50,
      failureRate: 0.1,
      seed: 9,
      playground: true,
      balances: { USD: "10.00", GBP: "5" },
      faults: {
        serverErrorRate: 0.2,
        storeServerErrors: true,
        timeoutRate: 0.3,
        dropAfterCommitRate: 0.4,
        latencyMs: 5,
        rateLimitBurst: { every: 10, length: 2 },
        slowCompletionRate: 0.5,
        idempotencyInProgressRate: 0.6,
      },
    });
  });

  it.each([
    [{ failureRate: 1.5 }],
    [{ timeoutRate: -0.1 }],
    [{ port: 70_000 }],
    [{ latencyMs: 1.5 }],
    [{ rateLimitEvery: 10 }],
    [{ balance: ["USD:10"] }],
    [{ apiKeyFile: "/nonexistent/key" }],
  ])("refuses %o", (flags) => {
    expect(() => simulatorOptionsFromFlags(flags)).toThrow(UsageError);
  });
});

describe("simulator command", () => {
  it("prints its URL, serves, and stops on SIGTERM", async () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const done = yargs(["simulator", "--port", "0", "--completion-delay-ms", "10", "--seed", "3"])
        .command(simulatorCommand)
        .parseAsync();
      await vi.waitFor(() => expect(lines.join("")).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\n$/));
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(lines.join(""))?.[1];
      expect(await (await fetch(`${url}/ping`)).json()).toEqual({ message: "pong" });
      process.emit("SIGTERM");
      await done;
      await expect(fetch(`${url}/ping`)).rejects.toThrow();
    } finally {
      write.mockRestore();
    }
  });
});
