import { defineConfig } from "vitest/config";

// Browser suites: one file at a time (the machine has 2 cores and each file runs three
// Chromium pages), generous timeouts for media on a busy machine. Started by run.ts, which
// provides the edge URLs; see tests/e2e/run.ts.
export default defineConfig({
  test: {
    include: ["tests/e2e/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ["verbose"],
    // A failed test prints the last lines of the processes this file started (run.ts prints its own).
    setupFiles: ["tests/support/report-failures.ts"],
  },
});
