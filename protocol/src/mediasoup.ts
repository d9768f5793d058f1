import { z } from "zod";

/**
 * Shapes of the mediasoup parameter objects that cross the wire
 * (mediasoup 3.x / mediasoup-client 3.x `types`). Known fields are typed
 * and bounded; unknown fields are kept (loose objects), because both
 * libraries add optional fields over time and mediasoup validates the
 * rest itself on the media node.
 */

const shortString = z.string().min(1).max(256);
const mimeType = z
  .string()
  .max(64)
  .regex(/^(audio|video)\/[A-Za-z0-9.+_-]+$/, "mimeType must look like audio/opus or video/VP8");
const payloadType = z.number().int().min(0).max(127);
const codecParameters = z.record(z.string().max(64), z.union([z.string().max(256), z.number()]));

export const MediaKind = z.enum(["audio", "video"]);
export type MediaKind = z.infer<typeof MediaKind>;

export const RtcpFeedback = z.looseObject({
  type: z.string().min(1).max(64),
  parameter: z.string().max(64).optional(),
});

export const RtpCodecCapability = z.looseObject({
  kind: MediaKind,
  mimeType,
  preferredPayloadType: payloadType.optional(),
  clockRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(16).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(32).optional(),
});

export const RtpHeaderExtensionDirection = z.enum(["sendrecv", "sendonly", "recvonly", "inactive"]);

export const RtpHeaderExtensionCapability = z.looseObject({
  kind: MediaKind,
  uri: shortString,
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: RtpHeaderExtensionDirection.optional(),
});

export const RtpCapabilities = z.looseObject({
  codecs: z.array(RtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(RtpHeaderExtensionCapability).max(64).optional(),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

export const RtpCodecParameters = z.looseObject({
  mimeType,
  payloadType,
  clockRate: z.number().int().positive(),
  channels: z.number().int().min(1).max(16).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(32).optional(),
});

export const RtpHeaderExtensionParameters = z.looseObject({
  uri: shortString,
  id: z.number().int().min(1).max(255),
  encrypt: z.boolean().optional(),
  parameters: codecParameters.optional(),
});

export const RtpEncodingParameters = z.looseObject({
  ssrc: z.number().int().nonnegative().optional(),
  rid: z.string().max(32).optional(),
  codecPayloadType: payloadType.optional(),
  rtx: z.looseObject({ ssrc: z.number().int().nonnegative() }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  scaleResolutionDownBy: z.number().positive().optional(),
  maxBitrate: z.number().nonnegative().optional(),
  maxFramerate: z.number().nonnegative().optional(),
  active: z.boolean().optional(),
});

export const RtcpParameters = z.looseObject({
  cname: z.string().max(256).optional(),
  reducedSize: z.boolean().optional(),
  mux: z.boolean().optional(),
});

export const RtpParameters = z.looseObject({
  mid: z.string().max(32).optional(),
  codecs: z.array(RtpCodecParameters).min(1).max(32),
  headerExtensions: z.array(RtpHeaderExtensionParameters).max(32).optional(),
  encodings: z.array(RtpEncodingParameters).max(16).optional(),
  rtcp: RtcpParameters.optional(),
  msid: z.string().max(256).optional(),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

export const DtlsFingerprint = z.looseObject({
  algorithm: z.enum(["sha-1", "sha-224", "sha-256", "sha-384", "sha-512"]),
  value: z
    .string()
    .max(200)
    .regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/, "fingerprint value must be colon-separated hex"),
});

export const DtlsRole = z.enum(["auto", "client", "server"]);

export const DtlsParameters = z.looseObject({
  role: DtlsRole.optional(),
  fingerprints: z.array(DtlsFingerprint).min(1).max(8),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

export const IceParameters = z.looseObject({
  usernameFragment: shortString,
  password: shortString,
  iceLite: z.boolean().optional(),
});
export type IceParameters = z.infer<typeof IceParameters>;

export const IceCandidate = z.looseObject({
  foundation: shortString,
  priority: z.number().int().nonnegative(),
  /** mediasoup >= 3.13 sends `address`; older versions sent `ip`. */
  address: z.string().max(256).optional(),
  ip: z.string().max(256).optional(),
  protocol: z.enum(["udp", "tcp"]),
  port: z.number().int().min(1).max(65535),
  type: z.enum(["host", "srflx", "prflx", "relay"]),
  tcpType: z.enum(["active", "passive", "so"]).optional(),
});
export type IceCandidate = z.infer<typeof IceCandidate>;

export const SctpParameters = z.looseObject({
  port: z.number().int().min(0).max(65535),
  OS: z.number().int().nonnegative(),
  MIS: z.number().int().nonnegative(),
  maxMessageSize: z.number().int().nonnegative(),
});
export type SctpParameters = z.infer<typeof SctpParameters>;

/** Small, flat application data attached to a producer (e.g. `{ source: "screen" }`). */
export const AppData = z
  .record(z.string().min(1).max(32), z.union([z.string().max(256), z.number(), z.boolean(), z.null()]))
  .refine((o) => Object.keys(o).length <= 16, "appData may have at most 16 keys");
export type AppData = z.infer<typeof AppData>;
