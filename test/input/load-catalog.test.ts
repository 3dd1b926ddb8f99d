// GET /product is walked page by page to the end, retried on transient failures, cached an hour per
// base URL in an owner-only file; a refused key is an AuthenticationError.
import { readdirSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CATALOG_CACHE_TTL_MS, CATALOG_PAGE_LIMIT, cachePath, loadCatalog } from "../../src/catalog/load-catalog.ts";
import { AuthenticationError } from "../../src/errors.ts";
import type { Attempt, ProductQuery } from "../../src/runa/client.ts";
import type { Product, ProductPage } from "../../src/runa/types.ts";
import { tempDir } from "./helpers.ts";
import { giftCard } from "./test-catalog.ts";

const products = Array.from({ length: 1234 }, (_, n) =>
  giftCard(`P${String(n).padStart(4, "0")}-US`, "USD", { open: ["1.00", "100.00"] }, ["US"]),
);

/** A fake listProducts over `all`, paging by `after` cursor; `script` can answer a call differently. */
function fakeClient(all: Product[], script: (call: number) => Attempt<ProductPage> | undefined = () => undefined) {
  const calls: ProductQuery[] = [];
  return {
    calls,
    listProducts: async (query: ProductQuery = {}): Promise<Attempt<ProductPage>> => {
      calls.push(query);
      const scripted = script(calls.length);
      if (scripted) return scripted;
      const start = query.after === undefined ? 0 : Number(query.after.slice(1));
      const page = all.slice(start, start + (query.limit ?? 50));
      const next = start + page.length;
      return {
        kind: "ok",
        status: 200,
        body: { catalog: page, pagination: { cursors: page.length ? { after: `c${next}` } : {} } },
      };
    },
  };
}

const noWait = async () => undefined;

describe("loadCatalog", () => {
  it("follows the cursor to the empty page, 500 at a time", async () => {
    const client = fakeClient(products);
    const catalog = await loadCatalog(client, {
      baseUrl: "https://playground.runa.io/v2",
      cacheDir: tempDir(),
      refresh: false,
    });
    expect(catalog.size).toBe(1234);
    expect(client.calls).toEqual([
      { limit: CATALOG_PAGE_LIMIT },
      { limit: CATALOG_PAGE_LIMIT, after: "c500" },
      { limit: CATALOG_PAGE_LIMIT, after: "c1000" },
      { limit: CATALOG_PAGE_LIMIT, after: "c1234" },
    ]);
    expect(catalog.resolve("P1233-US")?.currency).toBe("USD");
  });

  it("uses the cache for an hour, per base URL, and --refresh-catalog fetches again", async () => {
    const cacheDir = tempDir();
    let now = 1_700_000_000_000;
    const client = fakeClient(products.slice(0, 3));
    const load = (baseUrl: string, refresh = false) =>
      loadCatalog(client, { baseUrl, cacheDir, refresh, now: () => now });
    await load("https://playground.runa.io/v2");
    expect(client.calls).toHaveLength(2);
    now += CATALOG_CACHE_TTL_MS - 1;
    expect((await load("https://playground.runa.io/v2")).size).toBe(3);
    expect(client.calls).toHaveLength(2);
    await load("https://api.runa.io/v2"); // another environment never reads playground's cache
    expect(client.calls).toHaveLength(4);
    await load("https://playground.runa.io/v2", true);
    expect(client.calls).toHaveLength(6);
    now += CATALOG_CACHE_TTL_MS;
    await load("https://api.runa.io/v2");
    expect(client.calls).toHaveLength(8);
    const file = cachePath(cacheDir, "https://playground.runa.io/v2");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(cacheDir).sort()).toEqual(
      [file, cachePath(cacheDir, "https://api.runa.io/v2")].map((path) => path.split("/").at(-1)).sort(),
    );
  });

  it("retries network errors, 429 and 5xx, then goes on", async () => {
    const client = fakeClient(products.slice(0, 10), (call) =>
      call === 1
        ? { kind: "network", code: "ECONNRESET", message: "socket hang up" }
        : call === 2
          ? { kind: "http_error", status: 503, error: { type: "http_503", message: "" } }
          : call === 3
            ? { kind: "http_error", status: 429, error: { type: "rate_exceeded", message: "rate exceeded" } }
            : undefined,
    );
    const delays: number[] = [];
    const catalog = await loadCatalog(client, {
      baseUrl: "https://x.test",
      cacheDir: tempDir(),
      refresh: true,
      sleep: async (ms) => delays.push(ms),
    });
    expect(catalog.size).toBe(10);
    expect(delays).toEqual([1000, 2000, 4000]);
  });

  it("gives up after a few attempts with a readable message", async () => {
    const client = fakeClient([], () => ({
      kind: "http_error",
      status: 500,
      error: { type: "internal_server_error", message: "boom" },
    }));
    await expect(
      loadCatalog(client, { baseUrl: "https://x.test", cacheDir: tempDir(), refresh: true, sleep: noWait }),
    ).rejects.toThrow("could not read the product catalog (GET /product): 500 internal_server_error: boom");
    expect(client.calls).toHaveLength(4);
  });

  it.each([401, 403])("a %i is an AuthenticationError, not retried", async (status) => {
    const client = fakeClient([], () => ({ kind: "http_error", status, error: { type: "unauthorized", message: "" } }));
    await expect(
      loadCatalog(client, { baseUrl: "https://x.test", cacheDir: tempDir(), refresh: true, sleep: noWait }),
    ).rejects.toBeInstanceOf(AuthenticationError);
    expect(client.calls).toHaveLength(1);
  });

  it("stops a cursor that repeats instead of looping forever", async () => {
    const client = {
      listProducts: async (): Promise<Attempt<ProductPage>> => ({
        kind: "ok",
        status: 200,
        body: { catalog: products.slice(0, 1), pagination: { cursors: { after: "same" } } },
      }),
    };
    await expect(
      loadCatalog(client, { baseUrl: "https://x.test", cacheDir: tempDir(), refresh: true }),
    ).rejects.toThrow("returned the cursor same twice");
  });

  it("ignores a cache file that is corrupt", async () => {
    const cacheDir = tempDir();
    const { writeFileSync } = await import("node:fs");
    writeFileSync(cachePath(cacheDir, "https://x.test"), "{not json");
    const client = fakeClient(products.slice(0, 2));
    expect((await loadCatalog(client, { baseUrl: "https://x.test", cacheDir, refresh: false })).size).toBe(2);
  });
});
