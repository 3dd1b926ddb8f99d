// Writes rewards CSVs for the throughput tests and benchmarks: a realistic mix (EMAIL rows with
// their own addresses, interchangeable PAYOUT_LINK rows, MULTIPLE and TEMPLATE products, several
// currencies and countries), or a plain one-product file.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export const HEADER =
  "employee_id,amount,currency,product_code,product_codes,template_id,email,distribution,reference,description";
export const USD_TEMPLATE = "PT-01HQ12PV4B8XMBRTK281JM54KK";

export interface RewardRow {
  employeeId: string;
  amount: string;
  currency: string;
  productCode?: string;
  productCodes?: string[];
  templateId?: string;
  email?: string;
  distribution: "EMAIL" | "PAYOUT_LINK";
  reference?: string;
  description?: string;
}

/**
 * Row i of a mixed file. PAYOUT_LINK rows repeat the same content and differ only by reference, so
 * within an order their items are interchangeable; EMAIL rows each have their own address.
 */
export function mixedRow(index: number): RewardRow {
  const employeeId = `E-${100000 + index}`;
  const whole = String(5 + (index % 40));
  switch (index % 10) {
    case 0:
    case 1:
      return {
        employeeId,
        amount: "25",
        currency: "USD",
        productCode: "AMZ-US",
        distribution: "PAYOUT_LINK",
        reference: `R-${index}`,
        description: "Thanks",
      };
    case 2:
      return {
        employeeId,
        amount: whole,
        currency: "USD",
        productCodes: ["AMZ-US", "STB-US"],
        email: `multi.${index}@example.com`,
        distribution: "EMAIL",
        description: "Thanks",
      };
    case 3:
      return {
        employeeId,
        amount: whole,
        currency: "USD",
        templateId: USD_TEMPLATE,
        email: `pick.${index}@example.com`,
        distribution: "EMAIL",
        description: "Thanks",
      };
    case 4:
      return {
        employeeId,
        amount: `${10 + (index % 30)}.50`,
        currency: "GBP",
        productCode: "AMZ-UK",
        email: `uk.${index}@example.co.uk`,
        distribution: "EMAIL",
      };
    default:
      return {
        employeeId,
        amount: `${10 + (index % 50)}.${String(index % 100).padStart(2, "0")}`,
        currency: "USD",
        productCode: "AMZ-US",
        email: `Person.${index}@Example.com`,
        distribution: "EMAIL",
        description: "Thanks",
      };
  }
}

/** One product, one currency, every row its own address: every row can share an order. */
export function plainRow(index: number): RewardRow {
  return {
    employeeId: `E-${100000 + index}`,
    amount: `${10 + (index % 90)}.00`,
    currency: "USD",
    productCode: "AMZ-US",
    email: `person.${index}@example.com`,
    distribution: "EMAIL",
  };
}

/** One row as a line of the file (no newline); HEADER names its columns. */
export function rewardLine(row: RewardRow): string {
  return [
    row.employeeId,
    row.amount,
    row.currency,
    row.productCode ?? "",
    (row.productCodes ?? []).join("|"),
    row.templateId ?? "",
    row.email ?? "",
    row.distribution,
    row.reference ?? "",
    row.description ?? "",
  ].join(",");
}

export function writeRewards(directory: string, name: string, rows: readonly RewardRow[]): string {
  const path = join(directory, `${name}.csv`);
  writeFileSync(path, `${HEADER}\n${rows.map(rewardLine).join("\n")}\n`);
  return path;
}

export function rows(count: number, make: (index: number) => RewardRow): RewardRow[] {
  return Array.from({ length: count }, (_, index) => make(index));
}
