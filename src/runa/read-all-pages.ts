// Reads a Runa list to its end. Runa's cursor pagination: pass the last page's
// `pagination.cursors.after` as `after`; an empty page (or one without a cursor) ends the list.
// Each page gets a few attempts: network errors, 429 and 5xx are retried with growing waits; 401
// and 403 mean the key is wrong; any other 4xx is final (the same request gets the same answer).
import { AuthenticationError } from "../errors.ts";
import type { Attempt } from "./client.ts";
import type { PageMeta } from "./types.ts";

/** Runa's largest page. */
export const MAX_PAGE_LIMIT = 500;
/** Attempts per page before a transient failure stops the command. */
export const PAGE_MAX_ATTEMPTS = 4;
export const PAGE_RETRY_BASE_DELAY_MS = 1_000;
/** A list that has not ended after this many pages is a cursor going round in circles. */
const MAX_PAGES = 10_000;

export interface PagedList<Page extends { pagination?: PageMeta }, Item> {
  /** What is being read, for messages: "GET /product". */
  name: string;
  fetch: (after: string | undefined) => Promise<Attempt<Page>>;
  /** The page's elements, or undefined when the answer is not a page of this list. */
  itemsOf: (page: Page) => Item[] | undefined;
  /** Waits between retries (scaled in tests). */
  wait: (ms: number) => Promise<unknown>;
  /** The error to stop with when the list cannot be read to its end. */
  unavailable: (message: string) => Error;
}

/** Every element of the list, page by page, in Runa's order. */
export async function* readAllPages<Page extends { pagination?: PageMeta }, Item>(
  list: PagedList<Page, Item>,
): AsyncGenerator<Item> {
  const cursors = new Set<string>();
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const body = await fetchPage(list, after);
    const items = list.itemsOf(body) ?? [];
    if (items.length === 0) return;
    yield* items;
    const next = body.pagination?.cursors?.after;
    if (!next) return;
    if (cursors.has(next))
      throw list.unavailable(`${list.name} returned the cursor ${next} twice; the list could not be read to the end`);
    cursors.add(next);
    after = next;
  }
  throw list.unavailable(`${list.name} did not end after ${MAX_PAGES} pages`);
}

const UNREACHABLE_HINTS: Record<string, string> = {
  ECONNREFUSED:
    "Nothing answers at that address: check --base-url / RUNA_BASE_URL (unset it to use Runa's own address for --env), or start the simulator first",
  ENOTFOUND: "That host name does not resolve: check --base-url / RUNA_BASE_URL for a typo, and the network or DNS",
};

async function fetchPage<Page extends { pagination?: PageMeta }, Item>(
  list: PagedList<Page, Item>,
  after: string | undefined,
): Promise<Page> {
  let last = "";
  for (let attempt = 1; attempt <= PAGE_MAX_ATTEMPTS; attempt++) {
    const result = await list.fetch(after);
    if (result.kind === "ok") {
      if (!result.body || list.itemsOf(result.body) === undefined)
        throw list.unavailable(`${list.name} answered without a list`);
      return result.body;
    }
    if (result.kind === "http_error") {
      if (result.status === 401 || result.status === 403) {
        throw new AuthenticationError(
          `Runa refused the API key (${list.name}: ${result.status} ${result.error.type}); check the key and --env`,
        );
      }
      last = `${result.status} ${result.error.type}${result.error.message ? `: ${result.error.message}` : ""}`;
      if (result.status < 500 && result.status !== 429) break;
    } else {
      last = `${result.code}: ${result.message}`;
      // Nothing listens there, or the name does not resolve: waiting will not change it.
      const hint = UNREACHABLE_HINTS[result.code];
      if (hint) throw list.unavailable(`could not reach Runa to read ${list.name}: ${last}. ${hint}`);
    }
    if (attempt < PAGE_MAX_ATTEMPTS) await list.wait(PAGE_RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
  }
  throw list.unavailable(`could not read ${list.name}: ${last}`);
}
