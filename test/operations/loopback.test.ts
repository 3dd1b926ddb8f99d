// Plain http only to this machine: a literal loopback address, or localhost that resolves to one.
// Anything else would send the API key in clear text, so it is refused before any request.
import { describe, expect, it } from "vitest";
import { checkBaseUrl, checkLoopbackResolution } from "../../src/config.ts";
import { runCli } from "../helpers/cli.ts";
import { simulator } from "../helpers/simulator.ts";

describe("checkBaseUrl", () => {
  const allowed = [
    "https://api.runa.io/v2",
    "https://127.0.0.1.attacker.example/v2", // https: the key is encrypted, wherever it goes
    "http://127.0.0.1:8787/v2",
    "http://127.255.255.254/",
    "http://127.1/", // the URL parser reads it as 127.0.0.1
    "http://2130706433/", // 127.0.0.1 in decimal
    "http://0x7f000001/",
    "http://[::1]:8787",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/", // IPv4-mapped 127.0.0.1: still this machine
    "http://localhost:8787",
    "HTTP://LOCALHOST:8787",
  ];
  const refused = [
    "http://127.0.0.1.attacker.example/v2",
    "http://127.0.0.1.nip.io/",
    "http://localhost.attacker.example/",
    "http://localhost./",
    "http://sub.localhost/",
    "http://0.0.0.0:8787/",
    "http://128.0.0.1/",
    "http://10.0.0.1/",
    "http://169.254.169.254/",
    "http://[::2]/",
    "http://[::ffff:10.0.0.1]/",
    "http://127.0.0.1@attacker.example/",
    "http://attacker.example#@127.0.0.1",
    "http://attacker.example/?127.0.0.1",
    "http://api.runa.io/v2",
    "ftp://127.0.0.1/",
    "ws://127.0.0.1/",
  ];
  it.each(allowed)("allows %s", (url) => {
    expect(() => checkBaseUrl(url)).not.toThrow();
  });
  it.each(refused)("refuses %s", (url) => {
    expect(() => checkBaseUrl(url)).toThrow(/must use https:\/\//);
  });
  it("says what is wrong with something that is not a URL", () => {
    expect(() => checkBaseUrl("127.0.0.1:8787")).toThrow(/must use https|is not a URL/);
  });
});

describe("checkLoopbackResolution", () => {
  const answers =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address }));
  it("accepts localhost when every address is a loopback one", async () => {
    await expect(
      checkLoopbackResolution("http://localhost:8787", answers("127.0.0.1", "::1")),
    ).resolves.toBeUndefined();
    await expect(checkLoopbackResolution("http://localhost:8787")).resolves.toBeUndefined(); // this machine's own resolver
  });
  it("refuses localhost that resolves anywhere else, even partly", async () => {
    await expect(checkLoopbackResolution("http://localhost:8787", answers("127.0.0.1", "203.0.113.7"))).rejects.toThrow(
      /resolves to 203\.0\.113\.7, not a loopback/,
    );
    await expect(checkLoopbackResolution("http://localhost:8787", answers())).rejects.toThrow(/not a loopback/);
    await expect(
      checkLoopbackResolution("http://localhost:8787", async () => {
        throw new Error("ENOTFOUND");
      }),
    ).rejects.toThrow(/does not resolve/);
  });
  it("does not look up names it does not need to", async () => {
    const never = async (): Promise<{ address: string }[]> => {
      throw new Error("looked up");
    };
    await expect(checkLoopbackResolution("https://localhost.example", never)).resolves.toBeUndefined();
    await expect(checkLoopbackResolution("http://127.0.0.1:1", never)).resolves.toBeUndefined();
  });
});

describe("runa-batch with a look-alike loopback host", () => {
  it("refuses before any request and never quotes the key", async () => {
    const sim = await simulator();
    const port = new URL(sim.url).port;
    const result = await runCli(["catalog", "--base-url", `http://127.0.0.1.attacker.example:${port}/v2`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/must use https:\/\//);
    expect(result.stderr + result.stdout).not.toContain("test-key-4f9a2c");
    expect(sim.state.requests).toHaveLength(0);
  });
});
