import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { exportJWK, generateKeyPair } from "jose";
import { AccessToken } from "livekit-server-sdk";
import { defineConfig } from "vitest/config";
import { LIVEKIT_IDENTITY, LIVEKIT_ROOM, TEST_API_KEYS, TEST_TURN } from "./access/keys.ts";

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

// A join token as LiveKit's own SDK mints it, to prove ours accepts it.
const livekitAccess = new AccessToken(TEST_API_KEYS.main.key, TEST_API_KEYS.main.secret, {
  identity: LIVEKIT_IDENTITY,
  name: "Minted by LiveKit",
});
livekitAccess.addGrant({ roomJoin: true, room: LIVEKIT_ROOM });
const livekitToken = await livekitAccess.toJwt();

// A backend that signs with a private key (EdDSA): the edge holds only the public half (JWKS).
const { publicKey, privateKey } = await generateKeyPair("EdDSA", { extractable: true });
const jwkPublic = { ...(await exportJWK(publicKey)), kid: "backend-1", alg: "EdDSA" };
const jwkPrivate = { ...(await exportJWK(privateKey)), kid: "backend-1", alg: "EdDSA" };

const shared = {
  ALLOWED_ORIGINS: TEST_ALLOWED_ORIGIN,
  // No media node here; set empty so a developer's .dev.vars (made by `npm start`) cannot add one.
  MEDIA_NODE_SECRET: "",
  MEDIA_NODES: "",
  // The property tests' knobs (tests/edge/room-properties.test.ts), passed into workerd.
  HUDDLE_FUZZ_RUNS: process.env.HUDDLE_FUZZ_RUNS ?? "",
  HUDDLE_FUZZ_SEED: process.env.HUDDLE_FUZZ_SEED ?? "",
  HUDDLE_FUZZ_PATH: process.env.HUDDLE_FUZZ_PATH ?? "",
};

const timeouts = { testTimeout: 30_000, hookTimeout: 30_000 };

// Two runtimes: rooms open to anyone (no API keys), and rooms that need join tokens.
export default defineConfig({
  root,
  test: {
    projects: [
      {
        root,
        plugins: [
          cloudflareTest({
            wrangler: { configPath: `${root}wrangler.toml` },
            miniflare: {
              bindings: { ...shared, API_KEYS: "", JWKS: "", HUDDLE_TEST_JWK: "", HUDDLE_TEST_LIVEKIT_TOKEN: "" },
            },
          }),
        ],
        test: { name: "open", include: ["tests/edge/*.test.ts"], ...timeouts },
      },
      {
        root,
        plugins: [
          cloudflareTest({
            wrangler: { configPath: `${root}wrangler.toml` },
            miniflare: {
              bindings: {
                ...shared,
                API_KEYS: Object.values(TEST_API_KEYS)
                  .map(({ key, secret }) => `${key}:${secret}`)
                  .join(","),
                JWKS: JSON.stringify({ keys: [jwkPublic] }),
                HUDDLE_TEST_JWK: JSON.stringify(jwkPrivate),
                HUDDLE_TEST_LIVEKIT_TOKEN: livekitToken,
                TURN_SECRET: TEST_TURN.secret,
                TURN_URLS: TEST_TURN.urls,
                TURN_TTL_SECONDS: TEST_TURN.ttlSeconds,
              },
            },
          }),
        ],
        test: { name: "access", include: ["tests/edge/access/*.test.ts"], ...timeouts },
      },
    ],
  },
});
