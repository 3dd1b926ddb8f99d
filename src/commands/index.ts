import type { CommandModule } from "yargs";
import { catalogCommand } from "./catalog.ts";
import { runCommand } from "./run.ts";
import { simulatorCommand } from "./simulator.ts";
import { statusCommand } from "./status.ts";
import { validateCommand } from "./validate.ts";

// Each command lives in its own module; this list is the CLI.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [runCommand, validateCommand, statusCommand, catalogCommand, simulatorCommand];
