import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The CLI under test is the compiled bin: build it first, so a test never meets a stale dist/.
    globalSetup: ["test/helpers/build.ts"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // End-to-end tests spawn the CLI; two workers match the 2-core machines CI runs on.
    maxWorkers: 2,
  },
});
