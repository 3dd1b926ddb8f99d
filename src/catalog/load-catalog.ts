// Fetches the whole product catalog (GET /product, cursor pagination) and caches it on disk for an
// hour per base URL, so validating a file twice in a row does not walk the catalog twice.
// Runa: "cursor pagination `after`/`before`, `limit` <= 500 ... an empty page ends it".
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { timeScale } from "../config.ts";
import { AuthenticationError, BatchError, EXIT } from "../errors.ts";
import type { Attempt, RunaClient } from "../runa/client.ts";
import type { Product, ProductPage } from "../runa/types.ts";
import { Catalog } from "./catalog.ts";

export const CATALOG_CACHE_TTL_MS = 60 * 60_000;
export const CATALOG_PAGE_LIMIT = 500;
/** Attempts per page before a transient failure (network, 429, 5xx) stops the command. */
export const CATALOG_MAX_ATTEMPTS = 4;
export const CATALOG_RETRY_BASE_DELAY_MS = 1_000;
/** A catalog of a million products is not a catalog: stop a cursor that never ends. */
const MAX_PAGES = 2_000;

export interface LoadCatalogOptions {
  baseUrl: string;
  cacheDir: string;
  /** Ignore a fresh cache and fetch again. */
  refresh: boolean;
  now?: () => number;
  /** Waits between retries; injected by tests. */
  sleep?: (ms: number) => Promise<unknown>;
}

/** Raised when the catalog cannot be fetched (after retries) or makes no sense. */
export class CatalogUnavailableError extends BatchError {
  constructor(message: string) {
    super(message, "catalog_unavailable", EXIT.USAGE);
  }
}

interface CacheFile {
  version: 1;
  baseUrl: string;
  fetchedAt: number;
  products: Product[];
}

export async function loadCatalog(client: Pick<RunaClient, "listProducts">, options: LoadCatalogOptions): Promise<Catalog> {
  const now = options.now ?? Date.now;
  const file = cachePath(options.cacheDir, options.baseUrl);
  if (!options.refresh) {
    const cached = await readCache(file, options.baseUrl, now());
    if (cached) return Catalog.fromProducts(cached);
  }
  const products = await fetchAllProducts(client, options.sleep ?? ((ms) => sleep(ms * timeScale())));
  // The cache only saves a walk of the catalog: failing to write it must not stop the command.
  await writeCache(options.cacheDir, file, { version: 1, baseUrl: options.baseUrl, fetchedAt: now(), products }).catch(() => undefined);
  return Catalog.fromProducts(products);
}

/** One cache file per base URL (playground and production never share one), named by its hash. */
export function cachePath(cacheDir: string, baseUrl: string): string {
  const digest = createHash("sha256").update(baseUrl).digest("hex").slice(0, 16);
  return join(cacheDir, `catalog-${digest}.json`);
}

async function fetchAllProducts(client: Pick<RunaClient, "listProducts">, wait: (ms: number) => Promise<unknown>): Promise<Product[]> {
  const products: Product[] = [];
  const cursors = new Set<string>();
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await fetchPage(client, after, wait);
    if (body.catalog.length === 0) return products;
    products.push(...body.catalog);
    const next = body.pagination?.cursors?.after;
    // No cursor to go on with means this was the last page; a cursor seen before would loop forever.
    if (!next) return products;
    if (cursors.has(next)) throw new CatalogUnavailableError(`GET /product returned the cursor ${next} twice; the catalog could not be read to the end`);
    cursors.add(next);
    after = next;
  }
  throw new CatalogUnavailableError(`GET /product did not end after ${MAX_PAGES} pages`);
}

async function fetchPage(client: Pick<RunaClient, "listProducts">, after: string | undefined, wait: (ms: number) => Promise<unknown>): Promise<ProductPage> {
  let last = "";
  for (let attempt = 1; attempt <= CATALOG_MAX_ATTEMPTS; attempt++) {
    const result: Attempt<ProductPage> = await client.listProducts(after === undefined ? { limit: CATALOG_PAGE_LIMIT } : { limit: CATALOG_PAGE_LIMIT, after });
    if (result.kind === "ok") {
      if (!result.body || !Array.isArray(result.body.catalog)) throw new CatalogUnavailableError("GET /product answered without a catalog list");
      return result.body;
    }
    if (result.kind === "http_error") {
      if (result.status === 401 || result.status === 403) {
        throw new AuthenticationError(`Runa refused the API key while reading the catalog (${result.status} ${result.error.type}); check the key and --env`);
      }
      last = `${result.status} ${result.error.type}${result.error.message ? `: ${result.error.message}` : ""}`;
      // Other 4xx are final: retrying the same request gets the same answer.
      if (result.status < 500 && result.status !== 429) break;
    } else {
      last = `${result.code}: ${result.message}`;
    }
    if (attempt < CATALOG_MAX_ATTEMPTS) await wait(CATALOG_RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
  }
  throw new CatalogUnavailableError(`could not read the product catalog (GET /product): ${last}`);
}

async function readCache(file: string, baseUrl: string, now: number): Promise<Product[] | undefined> {
  let parsed: Partial<CacheFile>;
  try {
    parsed = JSON.parse(await readFile(file, "utf8")) as Partial<CacheFile>;
  } catch {
    return undefined; // missing or unreadable: fetch again
  }
  const fresh = typeof parsed.fetchedAt === "number" && now - parsed.fetchedAt >= 0 && now - parsed.fetchedAt < CATALOG_CACHE_TTL_MS;
  if (parsed.version !== 1 || parsed.baseUrl !== baseUrl || !fresh || !Array.isArray(parsed.products)) return undefined;
  return parsed.products;
}

/** Owner-only, and atomic (temp file + rename) so a crash never leaves half a catalog to trust. */
async function writeCache(cacheDir: string, file: string, content: CacheFile): Promise<void> {
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(content), { mode: 0o600, flag: "wx" });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
