// `runa-batch simulator` as a user starts it: a process that prints its URL, serves a whole order
// lifecycle, and stops cleanly on SIGTERM.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { CLI } from "../helpers/cli.ts";

const headers = { "x-api-key": "any-key", "x-api-version": "2024-02-05" };

describe("runa-batch simulator", () => {
  it("prints its URL, serves an order from POST to COMPLETED, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [CLI, "simulator", "--port", "0", "--completion-delay-ms", "50"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.on("exit", () => reject(new Error(`exited early: ${stdout}`)));
    });
    const body = JSON.stringify({
      payment_method: { type: "ACCOUNT_BALANCE", currency: "USD" },
      items: [
        { face_value: 25, distribution_method: { type: "PAYOUT_LINK" }, products: { type: "SINGLE", value: "TGT-US" } },
      ],
    });
    const post = () =>
      fetch(`${url}/order`, {
        method: "POST",
        body,
        headers: {
          ...headers,
          "content-type": "application/json",
          "x-execution-mode": "async",
          "x-idempotency-key": "lifecycle-1",
        },
      });
    const accepted = await post();
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    expect(((await (await post()).json()) as { id: string }).id).toBe(id); // replayed, not a second order
    let order: { status: string; items?: { payout: { url: string } }[] } = { status: "PROCESSING" };
    for (let i = 0; i < 50 && order.status === "PROCESSING"; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order = (await (await fetch(`${url}/order/${id}`, { headers })).json()) as typeof order;
    }
    expect(order.status).toBe("COMPLETED");
    const link = order.items![0]!.payout.url;
    expect(link.startsWith(`${url}/redeem/`)).toBe(true);
    expect(await (await fetch(link)).text()).toMatch(/SIMULATED/);
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});
