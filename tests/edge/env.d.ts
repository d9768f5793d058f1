// Types of `env` and `exports` from "cloudflare:workers" inside the tests (the Worker under test is edge/).
import type { Env as EdgeEnv } from "../../edge/src/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends EdgeEnv {}
    interface GlobalProps {
      mainModule: typeof import("../../edge/src/index.ts");
      durableNamespaces: "Room" | "MediaRegistry";
    }
  }
}
