// The ledger is appended by every batch's run at once. A run opening it while another appends must
// not take the other's half-visible line for a line torn by a crash and cut it off.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/cli.ts";
import { readRecords } from "../../src/journal/journal-file.ts";

const MODULE = pathToFileURL(join(REPO_ROOT, "dist", "journal", "journal-file.js")).href;
const RACE_MS = 3_000;

function node(code: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (status) => (status === 0 ? resolve(out.trim()) : reject(new Error(`exit ${status}`))));
  });
}

it("loses no line of a writer while another process opens the file over and over", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "ledger-race-")), "ledger.jsonl");
  const file = JSON.stringify(path);
  const [written] = await Promise.all([
    node(`import { JournalFile } from ${JSON.stringify(MODULE)};
      const f = JournalFile.open(${file}); const c = Array.from({ length: 300 }, (_, i) => String(i).padStart(16, "0"));
      let n = 0; for (const end = Date.now() + ${RACE_MS}; Date.now() < end; ) f.append({ t: "o", k: "k" + n++, c });
      f.close(); console.log(n);`),
    node(`import { JournalFile } from ${JSON.stringify(MODULE)};
      for (const end = Date.now() + ${RACE_MS}; Date.now() < end; ) JournalFile.open(${file}).close();`),
  ]);
  expect([...readRecords(path)]).toHaveLength(Number(written));
}, 60_000);
