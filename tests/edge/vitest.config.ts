import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));

// Wrangler and Miniflare run offline: no telemetry, no update check, no cf.json fetch, config kept in the repo.
process.env.WRANGLER_SEND_METRICS = "false";
process.env.WRANGLER_HIDE_BANNER = "true";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_SEND_ERROR_REPORTS = "false";
process.env.XDG_CONFIG_HOME = `${root}.wrangler/config`;

// The Worker serves web/dist as static assets; the tests need only the directory, not a build.
mkdirSync(`${root}web/dist`, { recursive: true });

/** The origin the tests allow; any other Origin header is refused at the upgrade. */
export const TEST_ALLOWED_ORIGIN = "https://huddle.test";

export default defineConfig({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}wrangler.toml` },
      miniflare: {
        bindings: {
          ALLOWED_ORIGINS: TEST_ALLOWED_ORIGIN,
          // The property tests' knobs (tests/edge/room-properties.test.ts), passed into workerd.
          HUDDLE_FUZZ_RUNS: process.env.HUDDLE_FUZZ_RUNS ?? "",
          HUDDLE_FUZZ_SEED: process.env.HUDDLE_FUZZ_SEED ?? "",
          HUDDLE_FUZZ_PATH: process.env.HUDDLE_FUZZ_PATH ?? "",
        },
      },
    }),
  ],
  test: {
    include: ["tests/edge/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
