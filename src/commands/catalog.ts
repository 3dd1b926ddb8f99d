// `runa-batch catalog`: the products this account can order, as an aligned table, so the person
// preparing a CSV can find the code, currency and allowed amounts. Subscriptions are listed by the
// plan codes a row must use.
import type { Argv, CommandModule } from "yargs";
import { table } from "../report/text-table.ts";
import type { Catalog, OrderableCode } from "../catalog/catalog.ts";
import { UsageError } from "../errors.ts";
import { connectionOptions, openConnection, type Connection, type ConnectionArgs } from "./connection-options.ts";
import type { FlagsOf } from "./index.ts";
import { catalogFor } from "./input-options.ts";

export interface CatalogArgs extends ConnectionArgs {
  currency?: string | undefined;
  country?: string | undefined;
  refreshCatalog: boolean;
}

function catalogFlags(yargs: Argv) {
  return connectionOptions(yargs).options({
    currency: { type: "string", describe: "Only products in this currency, e.g. USD" },
    country: { type: "string", describe: "Only products redeemable in this country, e.g. US" },
    "refresh-catalog": {
      type: "boolean",
      default: false,
      describe: "Fetch the catalog even if the cached copy is under an hour old",
    },
  });
}

export const catalogCommand: CommandModule<object, FlagsOf<typeof catalogFlags>> = {
  command: "catalog",
  builder: catalogFlags,
  handler: async (argv) => {
    process.exitCode = await runCatalog(argv, { write: (text) => process.stdout.write(text), openConnection });
  },
};

export async function runCatalog(
  argv: CatalogArgs,
  deps: { write: (text: string) => void; openConnection: (argv: ConnectionArgs) => Promise<Connection> },
): Promise<number> {
  const currency = argv.currency?.trim().toUpperCase();
  const country = argv.country?.trim().toUpperCase();
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency))
    throw new UsageError(`--currency must be a 3-letter code such as USD, got "${argv.currency}"`);
  if (country !== undefined && !/^[A-Z]{2}$/.test(country))
    throw new UsageError(`--country must be a 2-letter code such as US, got "${argv.country}"`);
  const connection = await deps.openConnection(argv);
  try {
    const catalog = await catalogFor(connection, argv.refreshCatalog);
    deps.write(formatCatalog(catalog, { currency, country }));
    return 0;
  } finally {
    await connection.close();
  }
}

export function formatCatalog(
  catalog: Catalog,
  filter: { currency?: string | undefined; country?: string | undefined } = {},
): string {
  const rows: string[][] = [];
  for (const product of catalog.products()) {
    if (filter.currency !== undefined && product.currency !== filter.currency) continue;
    if (filter.country !== undefined && !(product.countries_redeemable_in ?? []).includes(filter.country)) continue;
    const plans = catalog.planCodesOf(product.code);
    const codes = plans ?? [product.code];
    for (const code of codes) {
      const entry = catalog.resolve(code);
      if (!entry) continue;
      rows.push([
        code,
        entry.plan?.name ? `${product.name}: ${entry.plan.name}` : product.name,
        entry.currency,
        amounts(entry),
        entry.discount ?? "",
        entry.countries.join(" "),
        entry.orderable ? "yes" : "no",
      ]);
    }
  }
  if (rows.length === 0) return "No products match.\n";
  const lines = table(["code", "name", "currency", "amounts", "discount", "countries", "orderable"], rows);
  return `${lines.join("\n")}\n\n${rows.length} product${rows.length === 1 ? "" : "s"}. Use the code in product_code (or several, joined by |, in product_codes).\n`;
}

function amounts(entry: OrderableCode): string {
  const denominations = entry.denominations;
  switch (denominations.type) {
    case "fixed":
      return denominations.list.join(", ");
    case "open":
      return `${denominations.minimumText} to ${denominations.maximumText}`;
    case "plan":
      return denominations.price ?? "(plan price)";
    case "unknown":
      return "?";
  }
}
