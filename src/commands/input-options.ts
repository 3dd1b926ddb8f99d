// What the commands that read a rewards file share: the catalog to check it against, and the
// delimiter as the user typed it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Catalog } from "../catalog/catalog.ts";
import { loadCatalog } from "../catalog/load-catalog.ts";
import { UsageError } from "../errors.ts";
import type { Connection } from "./connection-options.ts";

/**
 * The catalog for this connection: cached an hour per base URL; a simulator (a new port each time)
 * gets a throw-away cache so rehearsals leave nothing behind.
 */
export async function catalogFor(connection: Connection, refresh: boolean): Promise<Catalog> {
  if (!connection.simulated)
    return loadCatalog(connection.client, {
      baseUrl: connection.baseUrl,
      cacheDir: join(connection.stateDirectory(), "cache"),
      refresh,
    });
  const cacheDir = mkdtempSync(join(tmpdir(), "runa-batch-catalog-"));
  try {
    return await loadCatalog(connection.client, { baseUrl: connection.baseUrl, cacheDir, refresh: true });
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** "--delimiter ;" as typed; "tab" and "\t" name a tab (a literal tab is awkward to type in a shell). */
export function parseDelimiter(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === "tab" || value === "\\t") return "\t";
  if (value.length !== 1 || (/[\s"\w]/.test(value) && value !== "\t")) {
    throw new UsageError(`--delimiter must be one character such as , or ; or "tab", got "${value}"`);
  }
  return value;
}
