// Types of `env` and `exports` from "cloudflare:workers" inside the tests (the Worker under test is edge/).
import type { Env as EdgeEnv } from "../../edge/src/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends EdgeEnv {
      /** Property-test knobs from the shell (empty: defaults); see tests/edge/vitest.config.ts. */
      HUDDLE_FUZZ_RUNS: string;
      HUDDLE_FUZZ_SEED: string;
      HUDDLE_FUZZ_PATH: string;
      /** The access project's private EdDSA key (JWK JSON) whose public half is the edge's JWKS; empty elsewhere. */
      HUDDLE_TEST_JWK: string;
      /** A join token minted by livekit-server-sdk in Node (access project only). */
      HUDDLE_TEST_LIVEKIT_TOKEN: string;
    }
    interface GlobalProps {
      mainModule: typeof import("../../edge/src/index.ts");
      durableNamespaces: "Room" | "MediaRegistry" | "RoomDirectory";
    }
  }
}
