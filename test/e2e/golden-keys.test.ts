// Golden keys: fixed rows and batch ids must give exactly these idempotency keys, forever. A refactor
// that changed any of them would re-key existing batches, and a re-run after the upgrade would pay
// every row again (Runa sees a new key as a new order). The values were computed once from the
// derivation in src/batch/order-line.ts and src/batch/idempotency-key.ts and are written out by hand:
// if this test fails, the change is the bug, not the test.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { idempotencyKey, orderKey } from "../../src/batch/idempotency-key.ts";
import { contentIdentity, fingerprint } from "../../src/batch/order-line.ts";
import { EXIT } from "../../src/errors.ts";
import { runCli, workDir } from "../helpers/cli.ts";
import { readResults } from "../helpers/results.ts";
import { simulator } from "../helpers/simulator.ts";

const FAST = ["--rate", "3000", "--poll-timeout", "30"];

// Row 2: no reference, an email in mixed case (keys see it trimmed and lower-cased).
// Row 3: a reference (the reference alone names the row).
// Row 4: GBP, which the account cannot pay at first: rejected, then re-keyed as generation 1.
const FILE = [
  "amount,currency,product_code,email,distribution,reference,description",
  "25,USD,AMZ-US, Alice.Nguyen@Example.com ,EMAIL,,Q1 recognition",
  "10.00,USD,TGT-US,,PAYOUT_LINK,REF-2026-0007,Q1 recognition",
  "12.50,GBP,AMZ-UK,bob@example.com,EMAIL,,",
].join("\n");

const GROUPED_FILE = [
  "amount,currency,product_code,email,distribution,reference",
  "30,USD,AMZ-US,carol@example.com,EMAIL,",
  "50,USD,TGT-US,,PAYOUT_LINK,REF-G-2",
].join("\n");

const BATCH = "golden-2026-11";
const GOLDEN = {
  row2: {
    fingerprint: "bc440a5f0d575f929a615a2c76295f593126ee89d6dbd57c46a53bbea64f7c8f",
    gen0: "86f512df-7ef6-5225-b7a0-4d013ad4ef4a",
  },
  row3: {
    fingerprint: "8d455e304b62c5412a548592afbf35beb0cbbfba39cb5d9ae9626c6f746a65ae",
    gen0: "8811e057-4ad5-5ee5-9bfb-072ba027232b",
  },
  row4: {
    fingerprint: "a61a029445e1da29f83a40bab38cf493cf254db578a9f9ec5a22bd693bf083ae",
    gen0: "b816d6f0-704a-5a77-bbf7-db66102d0596",
    gen1: "e4c637fc-f9ce-59d4-9a53-f271744c11dd",
  },
  /** GROUPED_FILE's two rows in one order (--items-per-order 2) under batch golden-grouped. */
  grouped: {
    fingerprints: [
      "c1fb1e82e90ab0a1ce222672e0a0acedb10f6bb3931662b8635a12a9e159bdac",
      "00113cfb2be73159ae94ed48b93c653697323cece2f24f9c0c95ae162c23541d",
    ],
    key: "b2cb106d-fea2-5ac1-b10d-1aaef3cf8588",
  },
};

describe("golden idempotency keys", () => {
  it("the derivation itself: fixed inputs give these exact keys", () => {
    const fp = "0".repeat(64);
    expect(idempotencyKey("golden", fp, 0)).toBe("b5427857-ab19-57f5-809a-89fd47c90ced");
    expect(idempotencyKey("golden", fp, 1)).toBe("5c2b6240-15da-5fad-ae45-cdd3c039c091");
    expect(orderKey([idempotencyKey("golden", fp, 0), idempotencyKey("golden", fp, 1)])).toBe(
      "6fefa13c-1746-5247-b009-c64ffe6e50af",
    );
    expect(
      fingerprint({
        amount: "25.00",
        currency: "USD",
        products: { type: "SINGLE", value: "AMZ-US" },
        distribution: { type: "PAYOUT_LINK" },
        email: "",
      }),
    ).toBe("b76e056febeddf3e15ec613d0d572d3f1522f35d0242842a642baf34680bc297");
  });

  it("the ledger's content identity: fixed rows give these exact ids, so an upgrade never forgets which rows other batches paid", () => {
    const kim = {
      amount: "10.00",
      currency: "USD",
      products: { type: "SINGLE", value: "AMZ-US" },
      distribution: { type: "EMAIL", email_address: "kim@example.com" },
      email: "kim@example.com",
    } as const;
    expect(contentIdentity(kim)).toBe("150c00d8cdc66746");
    expect(contentIdentity({ ...kim, reference: "E-17" })).toBe("150c00d8cdc66746"); // with an email, the reference plays no part
    const link = {
      amount: "25.00",
      currency: "GBP",
      products: { type: "MULTIPLE", values: ["AMZ-UK", "TSC-UK"] },
      distribution: { type: "PAYOUT_LINK" },
      email: "",
      reference: "R-7",
      description: "Q4 bonus",
    } as const;
    expect(contentIdentity({ ...link, products: { type: "MULTIPLE", values: [...link.products.values] } })).toBe(
      "be91de4ff4080282",
    );
  });

  it("a fixed file run end to end sends exactly these keys, for generations 0 and 1 and for a grouped order", async () => {
    const sim = await simulator({ balances: { USD: "1000.00", GBP: "0.00" } });
    const cwd = workDir();
    writeFileSync(join(cwd, "golden.csv"), `${FILE}\n`);
    const results = () => readResults(join(cwd, "output", "golden.results.csv"));

    const first = await runCli(
      ["run", "golden.csv", "--batch-id", BATCH, "--base-url", sim.url, "--ignore-balance", ...FAST],
      { cwd },
    );
    expect(first.code, first.stderr).toBe(EXIT.ACCOUNT_STOPPED); // insufficient_funds stops the run; the USD rows were sent before it
    expect(results().map((row) => [row.row, row.status, row.idempotency_key])).toEqual([
      ["2", "COMPLETED", GOLDEN.row2.gen0],
      ["3", "COMPLETED", GOLDEN.row3.gen0],
      ["4", "REJECTED", GOLDEN.row4.gen0],
    ]);
    expect(sim.state.countOrders()).toBe(2);

    sim.state.topUp("GBP", "100.00");
    const second = await runCli(["run", "golden.csv", "--batch-id", BATCH, "--base-url", sim.url, ...FAST], { cwd });
    expect(second.code, second.stderr).toBe(0);
    expect(results().map((row) => row.idempotency_key)).toEqual([GOLDEN.row2.gen0, GOLDEN.row3.gen0, GOLDEN.row4.gen1]);
    expect(sim.state.countOrders()).toBe(3);

    // the keys Runa received are these, and the row keys come from these fingerprints
    const keysSent = sim.state.orders.map((order) => order.idempotencyKey).sort();
    expect(keysSent).toEqual([GOLDEN.row2.gen0, GOLDEN.row3.gen0, GOLDEN.row4.gen1].sort());
    for (const { fingerprint: fp, gen0 } of [GOLDEN.row2, GOLDEN.row3, GOLDEN.row4])
      expect(idempotencyKey(BATCH, fp, 0)).toBe(gen0);
    expect(idempotencyKey(BATCH, GOLDEN.row4.fingerprint, 1)).toBe(GOLDEN.row4.gen1);

    // A grouped order, in a batch of its own (other rows, so no other batch has paid them).
    const groupCwd = workDir();
    writeFileSync(join(groupCwd, "grouped.csv"), `${GROUPED_FILE}\n`);
    const grouped = await runCli(
      ["run", "grouped.csv", "--batch-id", "golden-grouped", "--items-per-order", "2", "--base-url", sim.url, ...FAST],
      { cwd: groupCwd },
    );
    expect(grouped.code, grouped.stderr).toBe(0);
    expect(sim.state.countOrders()).toBe(4);
    expect(sim.state.orders[3]!.idempotencyKey).toBe(GOLDEN.grouped.key);
    expect(readResults(join(groupCwd, "output", "grouped.results.csv")).map((row) => row.idempotency_key)).toEqual([
      GOLDEN.grouped.key,
      GOLDEN.grouped.key,
    ]);
    const rowKeys = GOLDEN.grouped.fingerprints.map((fp) => idempotencyKey("golden-grouped", fp, 0));
    expect(orderKey(rowKeys)).toBe(GOLDEN.grouped.key);
  });
});
