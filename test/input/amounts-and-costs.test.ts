// Amounts are read exactly and costs are summed in decimal to the cent: never floats.
import { describe, expect, it } from "vitest";
import { validateInput } from "../../src/input/validation-report.ts";
import { checkBalances, formatBalances } from "../../src/report/balance-check.ts";
import { formatReport } from "../../src/report/format-validation.ts";
import { parseAmount } from "../../src/money.ts";
import { csvFile } from "./helpers.ts";
import { testCatalog } from "./test-catalog.ts";

const options = { catalog: testCatalog(), allowDuplicates: true };

describe("parseAmount", () => {
  it.each([
    ["10", "10.00"],
    ["10.00", "10.00"],
    ["12.5", "12.50"],
    [" 7.05 ", "7.05"],
    ["007", "7.00"],
    ["0.1", "0.10"],
    ["123456789012.34", "123456789012.34"],
  ])("%j reads as %s", (text, canonical) => {
    expect(parseAmount(text)).toEqual({ ok: true, text: canonical });
  });

  it.each([
    ["10,50", '"10,50" uses a decimal comma; use a dot: 10.50'],
    ["1.234,50", '"1.234,50" uses a decimal comma; use a dot: 1234.50'],
    ["1,000.50", '"1,000.50" has a thousands separator; write it without one: 1000.50'],
    ["10.005", '"10.005" has more than 2 decimal places'],
    ["-5", '"-5" is negative; the amount must be greater than 0'],
    [".5", '".5" needs a leading zero: 0.5'],
    ["$25", '"$25" is not a number; write only the number, without a currency sign or code'],
    ["25 USD", '"25 USD" is not a number; write only the number, without a currency sign or code'],
    ["ten", '"ten" is not a number such as 10 or 10.50'],
    ["1e3", '"1e3" is not a number such as 10 or 10.50'],
    ["", "empty; write a number such as 25 or 10.50"],
  ])("%j is refused: %s", (text, message) => {
    expect(parseAmount(text)).toEqual({ ok: false, message });
  });
});

const rowsOf = (lines: string[]) => csvFile(["amount,currency,product_code,email,distribution", ...lines].join("\n"));

describe("costs", () => {
  it("1,000 rows of 0.10 cost exactly 100.00 (no float drift)", async () => {
    const single = await validateInput(
      csvFile(["amount,currency,product_code", ...Array.from({ length: 1000 }, () => "0.10,GBP,CENTS-GB")].join("\n")),
      options,
    );
    expect(single.costs).toEqual([
      { currency: "GBP", rows: 1000, faceValue: "100.00", discount: "0.00", price: "100.00", undiscountedRows: 0 },
    ]);
  });

  it("0.1 + 0.2 is 0.30, and mixed cents add up exactly", async () => {
    const report = await validateInput(
      rowsOf(["0.1,GBP,CENTS-GB,,", "0.2,GBP,CENTS-GB,,", "0.01,GBP,CENTS-GB,,", "999.99,GBP,CENTS-GB,,"]),
      options,
    );
    expect(report.costs[0]?.faceValue).toBe("1000.30");
  });

  it("rounds each row's price to the cent on its own, as Runa prices each item", async () => {
    // AMZ-US discount 0.03: 10.10 -> 9.797 -> 9.80 (discount 0.30), twice: 19.60, not round(19.594) = 19.59.
    const report = await validateInput(
      rowsOf(["10.10,USD,AMZ-US,a@example.com,", "10.10,USD,AMZ-US,b@example.com,"]),
      options,
    );
    expect(report.costs).toEqual([
      { currency: "USD", rows: 2, faceValue: "20.20", discount: "0.60", price: "19.60", undiscountedRows: 0 },
    ]);
  });

  it("sums per currency, counts choices and templates at face value, and skips invalid rows", async () => {
    const file = csvFile(
      [
        "amount,currency,product_code,product_codes,template_id",
        "100,USD,TGT-US,,",
        "30,USD,,AMZ-US|STB-US,",
        "25,USD,,,PT-01HQ12PV4B8XMBRTK281JM54KK",
        "50,EUR,ZAL-DE,,",
        "15,USD,TGT-US,,",
      ].join("\n"),
    );
    const report = await validateInput(file, options);
    expect(report).toMatchObject({ rows: 5, valid: 4, invalid: 1 });
    expect(report.costs).toEqual([
      { currency: "EUR", rows: 1, faceValue: "50.00", discount: "3.00", price: "47.00", undiscountedRows: 0 },
      { currency: "USD", rows: 3, faceValue: "155.00", discount: "5.00", price: "150.00", undiscountedRows: 2 },
    ]);
    const text = formatReport(report);
    expect(text).toContain("row 6 (line 6) amount: 15.00 is not a denomination of TGT-US");
    expect(text).toContain(
      "2 rows (templates, products without a listed discount, or choices not estimated) counted at face value",
    );
    expect([...report.choices.byCurrency.get("USD")!]).toEqual([{ values: ["AMZ-US", "STB-US"], amount: "30.00" }]);
  });
});

describe("balances", () => {
  const costs = [
    { currency: "USD", rows: 2, faceValue: "100.00", discount: "3.00", price: "97.00", undiscountedRows: 0 },
    { currency: "GBP", rows: 1, faceValue: "10.00", discount: "0.00", price: "10.00", undiscountedRows: 0 },
    { currency: "EUR", rows: 1, faceValue: "10.00", discount: "0.00", price: "10.00", undiscountedRows: 0 },
  ];
  const client = {
    getBalance: async (currency: string) =>
      currency === "USD"
        ? ({ kind: "ok", status: 200, body: { balance: "90.5", currency } } as const)
        : currency === "GBP"
          ? ({ kind: "ok", status: 200, body: { balance: "10.00", currency } } as const)
          : ({ kind: "network", code: "ECONNRESET", message: "socket hang up" } as const),
  };

  it("reports the shortfall in decimal and keeps going when one balance is unknown", async () => {
    const checks = await checkBalances(client, costs);
    expect(checks).toEqual([
      { currency: "USD", price: "97.00", balance: "90.50", shortfall: "6.50" },
      { currency: "GBP", price: "10.00", balance: "10.00" },
      { currency: "EUR", price: "10.00", error: "socket hang up" },
    ]);
    expect(formatBalances(checks)).toContain(
      "WARNING: the USD balance (90.50) is 6.50 short of the 97.00 this file costs",
    );
  });

  it("a refused key stops the command", async () => {
    const refused = {
      getBalance: async () =>
        ({ kind: "http_error", status: 401, error: { type: "unauthorized", message: "" } }) as const,
    };
    await expect(checkBalances(refused, costs)).rejects.toMatchObject({ code: "authentication" });
  });
});
