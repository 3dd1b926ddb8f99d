// No file we write is reached through a symbolic link, a hard link or another user's directory:
// a planted `r.journal.jsonl -> ../victim.txt` must stay untouched, and nothing may be ordered.
import {
  chownSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
  readdirSync,
} from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ensurePrivateDirectory, openPrivateFile, writeFileAtomically } from "../../src/csv/safe-file.ts";
import { UnsafePathError } from "../../src/errors.ts";
import { runCli, workDir } from "../helpers/cli.ts";
import { writeRewards } from "../helpers/rewards.ts";
import { simulator } from "../helpers/simulator.ts";
import { closeSync } from "node:fs";

const isRoot = process.getuid?.() === 0;
const STRANGER_UID = 54_321;

/** A file that belongs to someone else: chown as root, else a system file that is root's. */
function someoneElsesFile(directory: string): string {
  if (!isRoot) return "/etc/hostname";
  const path = join(directory, "theirs");
  writeFileSync(path, "theirs\n");
  chownSync(path, STRANGER_UID, STRANGER_UID);
  return path;
}

function victim(directory: string): string {
  const path = join(directory, "victim.txt");
  writeFileSync(path, "precious\n", { mode: 0o644 });
  chmodSync(path, 0o644);
  return path;
}

function expectUntouched(path: string): void {
  expect(readFileSync(path, "utf8")).toBe("precious\n");
  expect(statSync(path).mode & 0o777).toBe(0o644);
}

describe("ensurePrivateDirectory", () => {
  it("creates the directory and its parents owner-only", () => {
    const path = join(workDir(), "state", "batches");
    ensurePrivateDirectory(path);
    expect(statSync(path).isDirectory()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o700);
    ensurePrivateDirectory(path); // an existing one of our own is fine
  });

  it("refuses a directory reached through a symbolic link", () => {
    const dir = workDir();
    mkdirSync(join(dir, "elsewhere"));
    symlinkSync(join(dir, "elsewhere"), join(dir, "state"));
    expect(() => ensurePrivateDirectory(join(dir, "state"))).toThrow(/state is a symbolic link/);
    expect(() => ensurePrivateDirectory(join(dir, "state"))).toThrow(UnsafePathError);
  });

  it("refuses a directory another user owns", () => {
    let path = "/usr";
    if (isRoot) {
      path = join(workDir(), "theirs");
      mkdirSync(path, { mode: 0o700 });
      chownSync(path, STRANGER_UID, STRANGER_UID);
    }
    expect(() => ensurePrivateDirectory(path)).toThrow(/belongs to another user/);
  });

  it("refuses a path that is a plain file", () => {
    const path = join(workDir(), "state");
    writeFileSync(path, "");
    expect(() => ensurePrivateDirectory(path)).toThrow();
  });
});

describe("openPrivateFile", () => {
  it("creates the file 0600 and narrows an existing one", () => {
    const dir = workDir();
    const path = join(dir, "j.jsonl");
    writeFileSync(path, "x\n", { mode: 0o644 });
    chmodSync(path, 0o644);
    closeSync(openPrivateFile(path));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    closeSync(openPrivateFile(join(dir, "new.jsonl")));
    expect(statSync(join(dir, "new.jsonl")).mode & 0o777).toBe(0o600);
  });

  it("refuses a symbolic link, even a dangling one, and leaves its target alone", () => {
    const dir = workDir();
    const target = victim(dir);
    symlinkSync(target, join(dir, "j.jsonl"));
    symlinkSync(join(dir, "nothing-yet"), join(dir, "dangling.jsonl"));
    expect(() => openPrivateFile(join(dir, "j.jsonl"))).toThrow(/j\.jsonl is a symbolic link/);
    expect(() => openPrivateFile(join(dir, "dangling.jsonl"))).toThrow(/is a symbolic link/);
    expectUntouched(target);
    expect(readdirSync(dir)).not.toContain("nothing-yet");
  });

  it("refuses a hard link to another file", () => {
    const dir = workDir();
    const target = victim(dir);
    linkSync(target, join(dir, "j.jsonl"));
    expect(() => openPrivateFile(join(dir, "j.jsonl"))).toThrow(/hard link/);
    expectUntouched(target);
  });

  it("refuses a file another user owns", () => {
    const path = someoneElsesFile(workDir());
    if (!isRoot) return; // as another user we could not open /etc/hostname for writing at all
    expect(() => openPrivateFile(path)).toThrow(/belongs to another user/);
  });
});

describe("writeFileAtomically", () => {
  it("refuses to replace a symbolic link and leaves no temp file", async () => {
    const dir = workDir();
    const target = victim(dir);
    symlinkSync(target, join(dir, "results.csv"));
    await expect(writeFileAtomically(join(dir, "results.csv"), Readable.from(["a,b\n"]))).rejects.toThrow(
      /results\.csv is a symbolic link/,
    );
    expectUntouched(target);
    expect(readdirSync(dir).sort()).toEqual(["results.csv", "victim.txt"]);
  });

  it("writes through an unguessable temp name, so a planted temp link is never followed", async () => {
    const dir = workDir();
    const target = victim(dir);
    // the temp name the tool used to choose: path.pid.tmp
    symlinkSync(target, join(dir, `results.csv.${process.pid}.tmp`));
    await writeFileAtomically(join(dir, "results.csv"), Readable.from(["a,b\n"]));
    expectUntouched(target);
    expect(readFileSync(join(dir, "results.csv"), "utf8")).toBe("a,b\n");
    expect(statSync(join(dir, "results.csv")).mode & 0o777).toBe(0o600);
  });
});

describe("runa-batch run with planted links", () => {
  // Each file the run writes, as a link to a victim: the run refuses before any POST.
  const cases = [
    { file: "rewards.journal.jsonl", message: /rewards\.journal\.jsonl is a symbolic link/ },
    { file: "rewards.log.jsonl", message: /rewards\.log\.jsonl is a symbolic link/ },
    { file: "rewards.results.csv", message: /rewards\.results\.csv is a symbolic link/ },
    { file: "rewards.summary.json", message: /rewards\.summary\.json is a symbolic link/ },
  ];
  for (const { file, message } of cases) {
    it(`refuses a planted ${file} link, orders nothing and leaves the victim untouched`, async () => {
      const sim = await simulator();
      const cwd = workDir();
      const input = writeRewards(cwd, 3);
      mkdirSync(join(cwd, "output"));
      const target = victim(cwd);
      symlinkSync("../victim.txt", join(cwd, "output", file));
      const result = await runCli(["run", input, "--base-url", sim.url, "--rate", "3000"], { cwd });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(sim.state.countOrders()).toBe(0);
      expectUntouched(target);
    });
  }

  it("refuses a planted error-CSV link when the file does not validate", async () => {
    const cwd = workDir();
    const input = join(cwd, "rewards.csv");
    writeFileSync(input, "amount,currency,product_code,email\nabc,USD,AMZ-US,a@example.com\n");
    mkdirSync(join(cwd, "output"));
    const target = victim(cwd);
    symlinkSync("../victim.txt", join(cwd, "output", "rewards.errors.csv"));
    const sim = await simulator();
    const result = await runCli(["run", input, "--base-url", sim.url], { cwd });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/rewards\.errors\.csv is a symbolic link/);
    expect(sim.state.countOrders()).toBe(0);
    expectUntouched(target);
  });
});
