import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // End-to-end tests spawn the CLI; two workers match the 2-core machines CI runs on.
    maxWorkers: 2,
  },
});
