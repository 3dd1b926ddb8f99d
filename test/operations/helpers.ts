// Helpers for the operations tests: bigger reward files made from the sample's product codes, and
// the real CLI driven inside a pseudo-terminal (util-linux `script`), as a person at a terminal runs it.
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, FAST_ENV, stateRoot, type CliResult } from "../helpers/cli.ts";

const HEADER =
  "employee_id,amount,currency,product_code,product_codes,template_id,email,distribution,reference,description";

/**
 * `rows` rewards alternating AMZ-US (USD, open 1-2000, by email) and TGT-US (USD, fixed 10/25/50/100,
 * payout link). Amounts vary with the row so no two rows are identical.
 */
export function writeRewards(dir: string, name: string, rows: number): string {
  const lines = [HEADER];
  for (let i = 1; i <= rows; i += 1) {
    const id = `E-${String(i).padStart(5, "0")}`;
    if (i % 2 === 1) lines.push(`${id},${(i % 1999) + 1}.25,USD,AMZ-US,,,person.${i}@example.com,EMAIL,,`);
    else lines.push(`${id},${[10, 25, 50, 100][i % 4]},USD,TGT-US,,,,PAYOUT_LINK,REF-${i},`);
  }
  const path = join(dir, `${name}.csv`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** True when util-linux `script` can give the CLI a real pseudo-terminal here. */
export const HAS_SCRIPT =
  spawnSync("script", ["--version"], { encoding: "utf8" }).stdout?.includes("util-linux") ?? false;

const quote = (word: string): string => `'${word.replace(/'/g, "'\\''")}'`;

/**
 * Runs the CLI in a real pseudo-terminal: stdin, stdout and stderr are all the terminal, so the
 * output is one stream (as a person sees it). `answer.text` is typed once the output matches `answer.when`.
 */
export function runInTerminal(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; answer?: { when: RegExp; text: string }; columns?: number },
): Promise<CliResult> {
  const command = `stty cols ${options.columns ?? 120} rows 40; exec ${quote(process.execPath)} ${quote(CLI)} ${args.map(quote).join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd: options.cwd,
      // Its own state folder, as runCli gives: never the user's, never another test's batch of the same port.
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TERM: "xterm-256color",
        RUNA_STATE_DIR: stateRoot(options.cwd),
        ...FAST_ENV,
        ...options.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let answered = false;
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (options.answer && !answered && options.answer.when.test(stdout)) {
        answered = true;
        child.stdin.write(options.answer.text);
      }
    });
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (!options.answer) child.stdin.end();
  });
}
