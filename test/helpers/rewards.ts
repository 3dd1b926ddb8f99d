// Generates reward files for tests: valid rows over a few catalog products, EMAIL and PAYOUT_LINK.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const PRODUCTS = [
  { code: "AMZ-US", currency: "USD", amount: (i: number) => `${5 + (i % 40)}.${String(i % 100).padStart(2, "0")}` },
  { code: "TGT-US", currency: "USD", amount: (i: number) => ["10", "25", "50", "100"][i % 4]! },
  { code: "AMZ-UK", currency: "GBP", amount: (i: number) => `${3 + (i % 20)}.50` },
  { code: "ZAL-DE", currency: "EUR", amount: (i: number) => `${10 + (i % 30)}` },
];

/** A rewards CSV of `rows` distinct valid rows; returns its path. */
export function writeRewards(directory: string, rows: number, name = "rewards.csv"): string {
  const lines = ["amount,currency,product_code,email,distribution,reference,employee_id"];
  for (let i = 0; i < rows; i += 1) {
    const product = PRODUCTS[i % PRODUCTS.length]!;
    const email = i % 3 === 2 ? "" : `person${i}@example.com`;
    // PAYOUT_LINK rows carry a reference: two equal links to different people are two rewards.
    lines.push(
      `${product.amount(i)},${product.currency},${product.code},${email},${email ? "EMAIL" : "PAYOUT_LINK"},${email ? "" : `R-${i}`},E-${10_000 + i}`,
    );
  }
  const path = join(directory, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}
