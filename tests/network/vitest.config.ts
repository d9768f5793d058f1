import { defineConfig } from "vitest/config";

// Browser calls under impaired networks: one file at a time (impairments are namespace-wide and
// the machine has 2 cores), generous timeouts. Started by run.ts, which provides the servers.
export default defineConfig({
  test: {
    include: ["tests/network/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 240_000,
    reporters: ["verbose"],
    setupFiles: ["tests/support/report-failures.ts"],
  },
});
