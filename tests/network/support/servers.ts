// The servers tests/network/run.ts starts, as the test files see them (environment variables).
import { requiredServer } from "../../e2e/support/call-page.ts";
import type { MediaAddress } from "./impair.ts";
import { MediaRelay } from "./media-relay.ts";

export const NETWORK_ENV = {
  /** The address the media node announces; each test file's relay listens there. */
  relayIp: "127.0.0.2",
  sfuUrl: "HUDDLE_NET_SFU_URL",
  rtcPort: "HUDDLE_NET_RTC_PORT",
  meshUrl: "HUDDLE_NET_MESH_URL",
  turnPort: "HUDDLE_NET_TURN_PORT",
  turnSecret: "HUDDLE_NET_TURN_SECRET",
} as const;

const NOT_STARTED = "run the suite through `npm run test:network`";

export function sfuEdgeUrl(): string {
  return requiredServer(NETWORK_ENV.sfuUrl, NOT_STARTED);
}

/** Where the clients send media: the relay's address (the node's announced one). */
export function mediaAddress(): MediaAddress {
  return { ip: NETWORK_ENV.relayIp, port: Number(requiredServer(NETWORK_ENV.rtcPort, NOT_STARTED)) };
}

/** The relay in front of the media node, for one test file (close it in afterAll). */
export function startMediaRelay(): Promise<MediaRelay> {
  const media = mediaAddress();
  return MediaRelay.start({ listen: media, target: { ip: "127.0.0.1", port: media.port } });
}

export function turnSettings(): { meshUrl: string; port: number; secret: string } {
  return {
    meshUrl: requiredServer(NETWORK_ENV.meshUrl, NOT_STARTED),
    port: Number(requiredServer(NETWORK_ENV.turnPort, NOT_STARTED)),
    secret: requiredServer(NETWORK_ENV.turnSecret, NOT_STARTED),
  };
}
