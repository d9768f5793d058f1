// The media node and edge every network call goes through (tests/network/run.ts and the
// network benchmarks): the node listens on 127.0.0.1:PORT and announces 127.0.0.2:PORT,
// where the caller's relay (./media-relay.ts) forwards to it.
import { randomBytes } from "node:crypto";
import { type Edge, startEdge } from "../../support/edge.ts";
import { mediaNodeAvailable, startTestMediaNode } from "../../support/media-nodes.ts";
import { reservePort } from "../../support/ports.ts";
import { MediaRelay } from "./media-relay.ts";
import { NETWORK_ENV } from "./servers.ts";

export async function startRelayedSfu(name: string, maxParticipants = 4): Promise<{ edge: Edge; rtcPort: number }> {
  const missing = mediaNodeAvailable();
  if (missing !== undefined) throw new Error(`no media node can run here: ${missing}`);
  const secret = randomBytes(32).toString("hex");
  const rtcPort = await reservePort({ udp: true });
  const media = await startTestMediaNode(`${name}-media-node`, secret, {
    env: {
      MEDIA_NODE_RTC_LISTEN_IP: "127.0.0.1",
      MEDIA_NODE_ANNOUNCED_IP: NETWORK_ENV.relayIp,
      MEDIA_NODE_RTC_PORT_MIN: String(rtcPort),
    },
  });
  const edge = await startEdge(name, {
    MAX_PARTICIPANTS: String(maxParticipants),
    MEDIA_NODES: media.url,
    MEDIA_NODE_SECRET: secret,
  });
  return { edge, rtcPort };
}

/** startRelayedSfu with the relay in front of it, for a benchmark that starts its own servers (it closes the relay). */
export async function startRelayedCallServers(
  name: string,
  maxParticipants: number,
): Promise<{ edge: Edge; rtcPort: number; relay: MediaRelay }> {
  const { edge, rtcPort } = await startRelayedSfu(name, maxParticipants);
  const relay = await MediaRelay.start({
    listen: { ip: NETWORK_ENV.relayIp, port: rtcPort },
    target: { ip: "127.0.0.1", port: rtcPort },
  });
  return { edge, rtcPort, relay };
}
