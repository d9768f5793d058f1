import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// `npm start` as a new user runs it; started by tests/start/run.ts (inside the loopback-only
// network namespace). One file, one thing at a time: the stack and two Chromium pages fill 2 cores.
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["tests/start/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
    reporters: ["verbose"],
    // A failed test prints the last lines of every `npm start` still running.
    setupFiles: ["tests/support/report-failures.ts"],
  },
});
