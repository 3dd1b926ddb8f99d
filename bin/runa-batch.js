#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx runa-batch` works after `npm install`
// with no separate build step that could leave a stale copy behind.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
