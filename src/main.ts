// Entry: run the CLI and map errors to exit codes. Only this file ends the process.
import { inspect } from "node:util";
import { buildCli } from "./cli.ts";
import { BatchError, describeFault, EXIT, isStorageFault } from "./errors.ts";
import { quietOnClosedPipe } from "./quiet-pipes.ts";

quietOnClosedPipe(process.stdout);
quietOnClosedPipe(process.stderr);

/** RUNA_BATCH_DEBUG=1: after the one-line message, the error's code, stack and causes. */
const debug = Boolean(process.env.RUNA_BATCH_DEBUG);

// No top-level await: the bundle bin/runa-batch.js runs is CommonJS, which has none.
void main();

async function main(): Promise<void> {
  try {
    await (await buildCli(process.argv.slice(2))).parseAsync();
  } catch (error) {
    report(error);
  }
}

/** Maps any error to one line on stderr and an exit code (plus detail under RUNA_BATCH_DEBUG). */
function report(error: unknown): void {
  if (error instanceof BatchError) {
    process.stderr.write(`runa-batch: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else if (isStorageFault(error)) {
    // Wherever it struck, orders may already be placed: never let it read as "nothing was ordered".
    process.stderr.write(
      `runa-batch: could not write ${error.path ?? "a file"}: ${describeFault(error)}. ` +
        "If the run had started sending, orders may have been placed; each was journaled before it was sent. " +
        "Fix the disk, then re-run the same command: it never places an order twice ('runa-batch status' shows where the batch stands).\n",
    );
    process.exitCode = EXIT.STORAGE_FAILED;
  } else {
    // An unexpected fault: one line for the user; the stack only when asked for.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`runa-batch: unexpected error: ${message}\n`);
    process.exitCode = EXIT.USAGE;
  }
  if (debug) process.stderr.write(debugDetail(error));
}

/** The code of one of our errors, then the stack of it and of each error under it (`cause`). */
function debugDetail(error: unknown): string {
  const lines = error instanceof BatchError ? [`code: ${error.code}`] : [];
  let current: unknown = error;
  // A few levels are all we ever nest; the bound guards against a cause that points back at itself.
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    const text = current instanceof Error ? (current.stack ?? current.message) : inspect(current);
    lines.push(depth === 0 ? text : `caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return `${lines.join("\n")}\n`;
}
