// Runa's cursor pagination: `after`/`before` name an element, `limit` is 1..500; an empty page ends it.

export const MAX_PAGE_LIMIT = 500;

export interface PageMeta {
  cursors: { after?: string; before?: string };
  page: { limit: number };
}

export type PageResult<T> = { ok: true; items: T[]; pagination: PageMeta } | { ok: false; message: string };

/**
 * One page of `list` (in its stored order) among the elements that `matches`. Cursors are looked up in
 * the whole list, so a filter that changes between pages (e.g. is_orderable) cannot lose the place.
 */
export function paginate<T>(
  list: readonly T[],
  keyOf: (element: T) => string,
  query: URLSearchParams,
  defaultLimit: number,
  matches: (element: T) => boolean = () => true,
): PageResult<T> {
  const limitText = query.get("limit");
  const limit = limitText === null ? defaultLimit : /^\d{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_LIMIT))
    return { ok: false, message: `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}` };
  const after = query.get("after");
  const before = query.get("before");
  if (after !== null && before !== null)
    return { ok: false, message: "the after and before cursors are mutually exclusive" };
  const cursor = after ?? before;
  const index = cursor === null ? -1 : list.findIndex((element) => keyOf(element) === cursor);
  if (cursor !== null && index < 0) return { ok: false, message: `unknown cursor ${cursor}` };

  const items =
    before !== null
      ? list.slice(0, index).filter(matches).slice(-limit)
      : list
          .slice(index + 1)
          .filter(matches)
          .slice(0, limit);
  const first = items[0];
  const last = items[items.length - 1];
  return {
    ok: true,
    items,
    pagination: {
      cursors: {
        ...(last === undefined ? {} : { after: keyOf(last) }),
        ...(first === undefined ? {} : { before: keyOf(first) }),
      },
      page: { limit },
    },
  };
}
