import type { types } from "mediasoup";

/**
 * The codecs every room's router offers (what browsers send by default). Loss protection:
 * video gets NACK with RTX (mediasoup adds the RTX codecs and `nack` feedback itself); Opus
 * asks the sender for in-band FEC and DTX (`useinbandfec=1;usedtx=1` reach the browser's send
 * answer through mediasoup-client, so its encoder adds FEC once receivers report loss), and
 * NACK as well: consumers resend Opus (media-room.ts, `enableRtx`) and the browsers negotiate it
 * (web/src/call/audioRepairs.ts). mediasoup has no `audio/red` (RED).
 */
export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2, parameters: { useinbandfec: 1, usedtx: 1 } },
  { kind: "video", mimeType: "video/VP8", clockRate: 90000, parameters: { "x-google-start-bitrate": 1000 } },
  {
    kind: "video",
    mimeType: "video/VP9",
    clockRate: 90000,
    parameters: { "profile-id": 2, "x-google-start-bitrate": 1000 },
  },
  {
    kind: "video",
    mimeType: "video/H264",
    clockRate: 90000,
    parameters: {
      "packetization-mode": 1,
      "profile-level-id": "42e01f",
      "level-asymmetry-allowed": 1,
      "x-google-start-bitrate": 1000,
    },
  },
];
