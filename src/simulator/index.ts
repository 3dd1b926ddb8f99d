// The local Runa API v2 (2024-02-05) stand-in: a real HTTP server on 127.0.0.1 with Runa's order,
// idempotency, rate-limit, catalog and balance rules, plus injectable faults. Never talks to Runa.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Catalog, loadCatalogFixture } from "./catalog.ts";
import {
  DEFAULT_BALANCE,
  DEFAULT_COMPLETION_DELAY_MS,
  DEFAULT_FAILURE_RATE,
  DEFAULT_ORDERS_PER_MINUTE,
  DEFAULT_SEED,
  SIMULATOR_HOST,
  systemClock,
  type SimulatorOptions,
} from "./options.ts";
import { seededRandom } from "./random.ts";
import { createHandler } from "./server.ts";
import { SimulatorState } from "./state.ts";

export { Catalog, CATALOG_FIXTURE_PATH, loadCatalogFixture } from "./catalog.ts";
export type { CatalogFixture, CatalogProduct, CatalogTemplate } from "./catalog.ts";
export * from "./options.ts";
export { SimulatorState } from "./state.ts";
export type { RecordedRequest, SimulatedOrder, SimulatedOrderItem } from "./state.ts";

export interface RunningSimulator {
  /** The API base, e.g. http://127.0.0.1:PORT (no trailing slash); paths are /order etc. */
  url: string;
  state: SimulatorState;
  close(): Promise<void>;
}

/** Keeps the id stream apart from the fault stream (see OrderContext.idRandom). */
const ID_SEED_SALT = 0x5bd1e995;

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? DEFAULT_SEED;
  const catalog = new Catalog(loadCatalogFixture(options.catalogPath));
  const balances =
    options.balances ?? Object.fromEntries(catalog.currencies().map((currency) => [currency, DEFAULT_BALANCE]));
  const state = new SimulatorState(clock, catalog, balances);
  let url = "";

  const server = createServer(
    createHandler({
      state,
      clock,
      random: options.random ?? seededRandom(seed),
      idRandom: seededRandom(seed ^ ID_SEED_SALT),
      completionDelayMs: options.completionDelayMs ?? DEFAULT_COMPLETION_DELAY_MS,
      failureRate: options.failureRate ?? DEFAULT_FAILURE_RATE,
      faults: options.faults ?? {},
      playground: options.playground === true,
      baseUrl: () => url,
      apiKey: options.apiKey,
      ordersPerMinute: options.ordersPerMinute ?? DEFAULT_ORDERS_PER_MINUTE,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, SIMULATOR_HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  url = `http://${SIMULATOR_HOST}:${(server.address() as AddressInfo).port}`;

  return {
    url,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
      }),
  };
}
