// Fetches the whole product catalog (GET /product, cursor pagination) and caches it on disk for an
// hour per base URL, so validating a file twice in a row does not walk the catalog twice.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { timeScale } from "../config.ts";
import { OWNER_ONLY_DIRECTORY, OWNER_ONLY_FILE } from "../csv/safe-file.ts";
import { CatalogUnavailableError } from "../errors.ts";
import type { RunaClient } from "../runa/client.ts";
import { MAX_PAGE_LIMIT, readAllPages } from "../runa/read-all-pages.ts";
import type { Product, ProductPage } from "../runa/types.ts";
import { Catalog } from "./catalog.ts";

export const CATALOG_CACHE_TTL_MS = 60 * 60_000;
export const CATALOG_PAGE_LIMIT = MAX_PAGE_LIMIT;

export interface LoadCatalogOptions {
  baseUrl: string;
  cacheDir: string;
  /** Ignore a fresh cache and fetch again. */
  refresh: boolean;
  now?: () => number;
  /** Waits between retries; injected by tests. */
  sleep?: (ms: number) => Promise<unknown>;
}

interface CacheFile {
  version: 1;
  baseUrl: string;
  fetchedAt: number;
  products: Product[];
}

export async function loadCatalog(
  client: Pick<RunaClient, "listProducts">,
  options: LoadCatalogOptions,
): Promise<Catalog> {
  const now = options.now ?? Date.now;
  const file = cachePath(options.cacheDir, options.baseUrl);
  if (!options.refresh) {
    const cached = await readCache(file, options.baseUrl, now());
    if (cached) return Catalog.fromProducts(cached);
  }
  const products = await fetchAllProducts(client, options.sleep ?? ((ms) => sleep(ms * timeScale())));
  // The cache only saves a walk of the catalog: failing to write it must not stop the command.
  await writeCache(options.cacheDir, file, { version: 1, baseUrl: options.baseUrl, fetchedAt: now(), products }).catch(
    () => undefined,
  );
  return Catalog.fromProducts(products);
}

/** One cache file per base URL (playground and production never share one), named by its hash. */
export function cachePath(cacheDir: string, baseUrl: string): string {
  const digest = createHash("sha256").update(baseUrl).digest("hex").slice(0, 16);
  return join(cacheDir, `catalog-${digest}.json`);
}

async function fetchAllProducts(
  client: Pick<RunaClient, "listProducts">,
  wait: (ms: number) => Promise<unknown>,
): Promise<Product[]> {
  const products: Product[] = [];
  const pages = readAllPages<ProductPage, Product>({
    name: "the product catalog (GET /product)",
    fetch: (after) =>
      client.listProducts(after === undefined ? { limit: CATALOG_PAGE_LIMIT } : { limit: CATALOG_PAGE_LIMIT, after }),
    itemsOf: (page) => (Array.isArray(page.catalog) ? page.catalog : undefined),
    wait,
    unavailable: (message) => new CatalogUnavailableError(message),
  });
  for await (const product of pages) products.push(product);
  return products;
}

async function readCache(file: string, baseUrl: string, now: number): Promise<Product[] | undefined> {
  let parsed: Partial<CacheFile>;
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as Partial<CacheFile>;
  } catch {
    return undefined; // missing or unreadable: fetch again
  }
  const fresh =
    typeof parsed.fetchedAt === "number" &&
    now - parsed.fetchedAt >= 0 &&
    now - parsed.fetchedAt < CATALOG_CACHE_TTL_MS;
  if (parsed.version !== 1 || parsed.baseUrl !== baseUrl || !fresh || !Array.isArray(parsed.products)) return undefined;
  return parsed.products;
}

/** Owner-only, and atomic (temp file + rename) so a crash never leaves half a catalog to trust. */
async function writeCache(cacheDir: string, file: string, content: CacheFile): Promise<void> {
  await mkdir(cacheDir, { recursive: true, mode: OWNER_ONLY_DIRECTORY });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(content), { mode: OWNER_ONLY_FILE, flag: "wx" });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
