// Entry: run the CLI and map errors to exit codes. Only this file ends the process.
import { buildCli } from "./cli.ts";
import { BatchError, EXIT } from "./errors.ts";
import { quietOnClosedPipe } from "./quiet-pipes.ts";

quietOnClosedPipe(process.stdout);
quietOnClosedPipe(process.stderr);

try {
  await (await buildCli(process.argv.slice(2))).parseAsync();
} catch (error) {
  if (error instanceof BatchError) {
    process.stderr.write(`runa-batch: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    // An unexpected fault: one line for the user; the stack only when asked for.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`runa-batch: unexpected error: ${message}\n`);
    if (process.env.RUNA_BATCH_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
    process.exitCode = EXIT.USAGE;
  }
}
