// Entry: run the CLI and map errors to exit codes. Only this file ends the process.
import { buildCli } from "./cli.ts";
import { BatchError, describeFault, EXIT, isStorageFault } from "./errors.ts";
import { quietOnClosedPipe } from "./quiet-pipes.ts";

quietOnClosedPipe(process.stdout);
quietOnClosedPipe(process.stderr);

try {
  await (await buildCli(process.argv.slice(2))).parseAsync();
} catch (error) {
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
    if (process.env.RUNA_BATCH_DEBUG) process.stderr.write(`${error.stack ?? ""}\n`);
    process.exitCode = EXIT.STORAGE_FAILED;
  } else {
    // An unexpected fault: one line for the user; the stack only when asked for.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`runa-batch: unexpected error: ${message}\n`);
    if (process.env.RUNA_BATCH_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
    process.exitCode = EXIT.USAGE;
  }
}
