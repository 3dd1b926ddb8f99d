// Validation throughput and memory: `npm run bench:validate` (tsx bench/validate.ts).
// Generates 100,000- and 1,000,000-row files in a temp dir (streamed to disk), validates each in a
// fresh child process (so one run's heap does not colour the other's peak), and prints rows per
// second and peak RSS. Flat memory shows as the same peak for both sizes.
// Target: >= 100,000 rows/s on a 2-core machine, peak RSS under 200 MB.
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { validateInput } from "../src/input/validation-report.ts";
import { Catalog } from "../src/catalog/catalog.ts";
import type { Product } from "../src/runa/types.ts";

const CATALOG_FIXTURE = fileURLToPath(new URL("../fixtures/catalog.json", import.meta.url));
const SIZES = [100_000, 1_000_000];
const RSS_SAMPLE_MS = 20;

/** Rows in the shapes real files have: several products and currencies, emails, some references. */
const SHAPES = [
  (n: number) =>
    `${(n % 1900) + 1}.${String(n % 100).padStart(2, "0")},USD,AMZ-US,,user${n}@example.com,EMAIL,,Quarterly award`,
  (n: number) => `${[10, 25, 50, 100][n % 4]},USD,TGT-US,,User${n}@Example.com,,,`,
  (n: number) => `${(n % 900) + 5},GBP,AMZ-UK,,,PAYOUT_LINK,REF-${n},`,
  (n: number) => `${[25, 50, 100][n % 3]}.00,EUR,IKEA-FR,,user${n}@example.fr,EMAIL,,"Merci, ${n}"`,
  (n: number) => `${(n % 400) + 20},USD,,AMZ-US|STB-US,user${n}@example.com,EMAIL,,`,
];

async function generate(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write("employee_id,amount,currency,product_code,product_codes,email,distribution,reference,description\n");
  for (let n = 0; n < rows; n++) {
    const shape = SHAPES[n % SHAPES.length] ?? SHAPES[0]!;
    if (!out.write(`E-${n},${shape(n)}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

function catalog(): Catalog {
  if (existsSync(CATALOG_FIXTURE)) {
    const parsed = JSON.parse(readFileSync(CATALOG_FIXTURE, "utf8")) as { catalog?: Product[] } | Product[];
    return Catalog.fromProducts(Array.isArray(parsed) ? parsed : (parsed.catalog ?? []));
  }
  const card = (code: string, currency: string, denominations: Product["gift_card"], countries: string[]): Product => ({
    code,
    name: code,
    currency,
    is_orderable: true,
    payout_type: "gift_card",
    countries_redeemable_in: countries,
    ...(denominations ? { gift_card: denominations } : {}),
  });
  return Catalog.fromProducts([
    card(
      "AMZ-US",
      "USD",
      { denominations: { type: "open", minimum_value: "1.00", maximum_value: "2000.00" }, discount_multiplier: "0.03" },
      ["US"],
    ),
    card("TGT-US", "USD", { denominations: { type: "fixed", available_list: ["10.00", "25.00", "50.00", "100.00"] } }, [
      "US",
    ]),
    card("STB-US", "USD", { denominations: { type: "open", minimum_value: "5.00", maximum_value: "500.00" } }, ["US"]),
    card("AMZ-UK", "GBP", { denominations: { type: "open", minimum_value: "1.00", maximum_value: "1000.00" } }, ["GB"]),
    card("IKEA-FR", "EUR", { denominations: { type: "fixed", available_list: ["25.00", "50.00", "100.00"] } }, ["FR"]),
  ]);
}

/** Child mode: validate one file, print one JSON line. */
async function measure(file: string): Promise<void> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), RSS_SAMPLE_MS);
  const options = { catalog: catalog(), allowDuplicates: false };
  const started = process.hrtime.bigint();
  const report = await validateInput(file, options);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(
    `${JSON.stringify({ rows: report.rows, valid: report.valid, invalid: report.invalid, seconds, peakRss: peak, firstProblem: report.problems[0] })}\n`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "runa-batch-bench-"));
  try {
    const results: string[] = [];
    for (const rows of SIZES) {
      const file = join(dir, `rewards-${rows}.csv`);
      await generate(file, rows);
      const child = spawnSync(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), "--measure", file],
        { encoding: "utf8" },
      );
      if (child.status !== 0) throw new Error(`bench child failed: ${child.stderr}`);
      const result = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as {
        rows: number;
        valid: number;
        invalid: number;
        seconds: number;
        peakRss: number;
        firstProblem?: unknown;
      };
      if (result.invalid > 0)
        throw new Error(`the generated file should be valid: ${JSON.stringify(result.firstProblem)}`);
      const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
      results.push(
        `${String(rows).padStart(9)} rows  ${megabytes(statSync(file).size).padStart(4)} MB file  ${result.seconds.toFixed(2).padStart(6)} s  ` +
          `${Math.round(result.rows / result.seconds)
            .toLocaleString("en-US")
            .padStart(9)} rows/s  peak RSS ${megabytes(result.peakRss)} MB`,
      );
      process.stdout.write(`${results.at(-1)}\n`);
      rmSync(file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf("--measure");
if (at !== -1) await measure(process.argv[at + 1] ?? "");
else await main();
