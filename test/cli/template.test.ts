// `runa-batch template`: a file that validates as written, with real codes, in the chosen currency and
// distribution, never over an existing file.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { runCli, SLOW_TEST_MS, workDir } from "../helpers/cli.ts";
import { loadCatalogFixture } from "../../src/simulator/catalog.ts";

const simulatorCodes = new Map(loadCatalogFixture().catalog.map((product) => [product.code, product]));

function readTemplate(path: string, delimiter = ","): Record<string, string>[] {
  return parse<Record<string, string>>(readFileSync(path), { bom: true, columns: true, delimiter });
}

describe("runa-batch template", () => {
  it(
    "writes a BOM-marked CSV of every supported column whose example rows validate as they are",
    async () => {
      const cwd = workDir();
      const made = await runCli(["template", "--simulate"], { cwd });
      expect(made.code).toBe(0);
      expect(made.stdout).toContain("Wrote rewards-template.csv");
      const text = readFileSync(join(cwd, "rewards-template.csv"), "utf8");
      expect(text.split("\n")[0]).toBe(
        "\ufeffreference,email,amount,currency,product_code,product_codes,template_id,distribution,description",
      );
      const rows = readTemplate(join(cwd, "rewards-template.csv"));
      expect(rows.length).toBeGreaterThan(1);
      for (const row of rows) expect(simulatorCodes.get(row.product_code!)?.is_orderable).toBe(true);
      expect(new Set(rows.map((row) => row.distribution))).toEqual(new Set(["EMAIL", "PAYOUT_LINK"]));

      const validated = await runCli(["validate", "rewards-template.csv", "--simulate"], { cwd });
      expect(validated.stdout).toContain(`rewards-template.csv is valid: ${rows.length} rows ready to order`);
      expect(validated.code).toBe(0);
    },
    SLOW_TEST_MS,
  );

  it(
    "follows --currency, --distribution and --delimiter",
    async () => {
      const cwd = workDir();
      const made = await runCli(
        [
          "template",
          "--simulate",
          "--currency",
          "gbp",
          "--distribution",
          "PAYOUT_LINK",
          "--delimiter",
          ";",
          "--out",
          "uk.csv",
        ],
        { cwd },
      );
      expect(made.code).toBe(0);
      const rows = readTemplate(join(cwd, "uk.csv"), ";");
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect([row.currency, row.distribution, row.email]).toEqual(["GBP", "PAYOUT_LINK", ""]);
        expect(simulatorCodes.get(row.product_code!)?.currency).toBe("GBP");
      }
      expect((await runCli(["validate", "uk.csv", "--simulate"], { cwd })).code).toBe(0);
    },
    SLOW_TEST_MS,
  );

  it(
    "never overwrites an existing file, and says which currencies exist when none matches",
    async () => {
      const cwd = workDir();
      writeFileSync(join(cwd, "rewards-template.csv"), "my own work\n");
      const refused = await runCli(["template", "--simulate"], { cwd });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("rewards-template.csv already exists");
      expect(readFileSync(join(cwd, "rewards-template.csv"), "utf8")).toBe("my own work\n");

      const none = await runCli(["template", "--simulate", "--currency", "XYZ", "--out", "x.csv"], { cwd });
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/no orderable gift card in XYZ \(it has: .*USD.*\)/);
    },
    SLOW_TEST_MS,
  );
});
