// Runa's side of a reconciliation: every order of the account, read to the end of GET /order.
import { OrderListUnavailableError } from "../errors.ts";
import type { RunaClient } from "../runa/client.ts";
import { MAX_PAGE_LIMIT, readAllPages } from "../runa/read-all-pages.ts";
import type { ListedOrder, OrderPage } from "../runa/types.ts";
import type { RunaOrder } from "./match-orders.ts";

export async function listRunaOrders(
  client: Pick<RunaClient, "listOrders">,
  wait: (ms: number) => Promise<unknown>,
): Promise<RunaOrder[]> {
  const orders: RunaOrder[] = [];
  const pages = readAllPages<OrderPage, ListedOrder>({
    name: "Runa's order list (GET /order)",
    fetch: (after) =>
      client.listOrders(after === undefined ? { limit: MAX_PAGE_LIMIT } : { limit: MAX_PAGE_LIMIT, after }),
    itemsOf: (page) => (Array.isArray(page.items) ? page.items : undefined),
    wait,
    unavailable: (message) => new OrderListUnavailableError(message),
  });
  for await (const listed of pages) {
    const order: RunaOrder = { id: listed.id, status: listed.status };
    if ("created_at" in listed) {
      order.createdAt = listed.created_at;
      order.currency = listed.currency;
      order.totalPrice = listed.total_price;
    }
    orders.push(order);
  }
  return orders;
}
