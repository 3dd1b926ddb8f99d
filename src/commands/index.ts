import type { CommandModule } from "yargs";

// Each command lives in its own module; this list is the CLI.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [];
