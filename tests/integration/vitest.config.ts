import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The SFU end to end without a browser: `wrangler dev` (the edge) and media node processes on
// loopback, driven by plain WebSockets. Each file starts its own edge and nodes: one file at a time
// on a small machine; generous timeouts (wrangler's start-up, node loss detection).
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["tests/integration/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ["verbose"],
    // A failed test prints the last lines of the edge and media nodes it ran against.
    setupFiles: ["tests/support/report-failures.ts"],
  },
});
