import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "model-tests/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Two cores: model tests are CPU-bound, so run at most two files at once.
    maxWorkers: 2,
  },
})
