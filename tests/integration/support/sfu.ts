// Steps of an SFU call as a client makes them, with valid mediasoup parameters
// (tests/media/helpers.ts builds them).
import type { MediaKind, RtpCapabilities, RtpParameters, ServerData } from "@huddle/protocol";
import { CLIENT_DTLS_PARAMETERS, opusRtpParameters, vp8RtpParameters } from "../../media/helpers.ts";
import type { RoomClient } from "../../support/room-client.ts";

export type Transport = ServerData<"webRtcTransportCreated">;

let nextSsrc = 10_000;

/** VP8 in three simulcast layers (lowest first, SSRCs `ssrc` to `ssrc + 2`), as mediasoup-client sends a camera. */
export function simulcastVp8(ssrc: number): RtpParameters {
  return {
    ...vp8RtpParameters(ssrc),
    encodings: [
      { ssrc, scaleResolutionDownBy: 4, maxBitrate: 150_000 },
      { ssrc: ssrc + 1, scaleResolutionDownBy: 2, maxBitrate: 500_000 },
      { ssrc: ssrc + 2, scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
    ],
  };
}

/** create-transport, then connect-transport; returns the transport. */
export async function connectedTransport(client: RoomClient, direction: "send" | "recv"): Promise<Transport> {
  const transport = await client.expect("create-transport", { direction }, "webRtcTransportCreated");
  const connected = await client.expect(
    "connect-transport",
    { transportId: transport.id, dtlsParameters: CLIENT_DTLS_PARAMETERS },
    "transport-connected",
  );
  if (connected.transportId !== transport.id) {
    throw new Error(`transport-connected names ${connected.transportId}, not ${transport.id}`);
  }
  return transport;
}

/** Produces opus (audio) or VP8 (video) on a send transport, with the appData a browser client sends. */
export function produce(client: RoomClient, transportId: string, kind: MediaKind): Promise<ServerData<"produced">> {
  const ssrc = nextSsrc++;
  return client.expect(
    "produce",
    {
      transportId,
      kind,
      rtpParameters: kind === "audio" ? opusRtpParameters(ssrc) : vp8RtpParameters(ssrc),
      appData: { source: kind === "audio" ? "microphone" : "camera" },
    },
    "produced",
  );
}

export function consume(
  client: RoomClient,
  transportId: string,
  producerId: string,
  rtpCapabilities: RtpCapabilities,
): Promise<ServerData<"consumed">> {
  return client.expect("consume", { transportId, producerId, rtpCapabilities }, "consumed");
}

/** The codec MIME types of a router's capabilities, lower-cased. */
export function mimeTypes(caps: RtpCapabilities): string[] {
  return (caps.codecs ?? []).map((codec) => String(codec.mimeType).toLowerCase());
}
