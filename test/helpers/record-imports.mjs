// Preloaded into a CLI child (`node --import`): appends the URL of every module the child loads,
// one a line, to the file named by RECORD_IMPORTS_FILE. Shows what a command really loads at start.
import { register } from "node:module";
import process from "node:process";
import { URL } from "node:url";

register(new URL("./record-imports-hooks.mjs", import.meta.url), { data: process.env.RECORD_IMPORTS_FILE });
