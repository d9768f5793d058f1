// `npm run test:network`: calls in real headless Chromium under impaired networks.
//
// 1. builds the web client (web/dist) unless HUDDLE_E2E_SKIP_BUILD=1;
// 2. re-runs itself inside a loopback-only network namespace and a private PID namespace (root +
//    unshare, tests/support/netns.ts): every impairment (iptables, tc) is applied to that
//    namespace's `lo` only, never the host's. Without them the suite FAILS (it cannot impair
//    anything safely) instead of passing green;
// 3. starts a media node that listens on 127.0.0.1:PORT and announces 127.0.0.2:PORT, where each
//    test file puts the tests' relay (tests/network/support/media-relay.ts), an edge configured
//    with it, and an edge without a media node that issues TURN credentials for coturn (the TURN
//    test starts `turnserver` itself on the port and with the secret given here);
// 4. runs vitest with tests/network/vitest.config.ts (extra arguments are passed on), then stops
//    everything, pass or fail.

import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { buildWeb, runVitest } from "../support/browser-suite.ts";
import { startEdge } from "../support/edge.ts";
import { insideNamespace, runInLoopbackNamespace } from "../support/netns.ts";
import { reservePort } from "../support/ports.ts";
import { reportChildren, stopAllChildren } from "../support/processes.ts";
import { NETWORK_ENV } from "./support/servers.ts";
import { startRelayedSfu } from "./support/start-servers.ts";

const log = (line: string) => console.log(`[network] ${line}`);
const args = process.argv.slice(2);

async function main(): Promise<number> {
  if (!insideNamespace()) {
    buildWeb("network");
    const code = await runInLoopbackNamespace(fileURLToPath(import.meta.url), args);
    if (code !== null) return code;
    console.error(
      "[network] FAILED: the impairment suite needs root and `unshare` (a private loopback-only network namespace " +
        "whose `lo` it may shape); it never touches the host's network.",
    );
    return 1;
  }
  const stop = async (signal: string) => {
    log(`${signal}: stopping everything`);
    await stopAllChildren();
    process.exit(130);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  try {
    const { edge: sfu, rtcPort } = await startRelayedSfu("network-sfu");
    log(`SFU edge ${sfu.url}; media node RTC 127.0.0.1:${rtcPort}, announced ${NETWORK_ENV.relayIp}:${rtcPort}`);
    const turnPort = await reservePort({ udp: true });
    const turnSecret = randomBytes(24).toString("hex");
    const mesh = await startEdge("network-mesh", {
      MAX_PARTICIPANTS: "3",
      TURN_SECRET: turnSecret,
      TURN_URLS: `turn:127.0.0.1:${turnPort}?transport=udp`,
    });
    log(`mesh edge with TURN credentials ${mesh.url}; coturn expected on 127.0.0.1:${turnPort}`);
    const code = await runVitest("tests/network/vitest.config.ts", args, {
      ...process.env,
      [NETWORK_ENV.sfuUrl]: sfu.url,
      [NETWORK_ENV.rtcPort]: String(rtcPort),
      [NETWORK_ENV.meshUrl]: mesh.url,
      [NETWORK_ENV.turnPort]: String(turnPort),
      [NETWORK_ENV.turnSecret]: turnSecret,
    });
    if (code !== 0) reportChildren("the network suites failed");
    return code;
  } catch (error) {
    console.error(`[network] ${(error as Error).message}`);
    return 1;
  } finally {
    await stopAllChildren();
  }
}

process.exit(await main());
