import { z } from "zod";

/**
 * Shapes of the mediasoup parameter objects that cross the wire, with exactly
 * the fields mediasoup 3.19 (`node/lib/*Types.d.ts`) and mediasoup-client 3.x
 * (`lib/RtpParameters.d.ts`, `lib/Transport.d.ts`) know. Unknown fields are
 * dropped (z.object strips them), so nothing a client invents reaches the
 * media node, whatever it holds: an array nested 10,000 deep under an unknown
 * key simply disappears. Every string, list and number is bounded; the two
 * free-form places (codec `parameters` and `appData`) are flat records with
 * a bounded key count (see `flatRecord`). A field a future mediasoup-client
 * sends is dropped until it is added here.
 */

const shortString = z.string().min(1).max(256);
const mimeType = z
  .string()
  .max(64)
  .regex(/^(audio|video)\/[A-Za-z0-9.+_-]+$/, "mimeType must look like audio/opus or video/VP8");
/** An unsigned 32-bit integer (SSRCs, priorities, clock rates: what the worker stores). */
const uint32 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);
const payloadType = z.number().int().min(0).max(127);
const clockRate = z
  .number()
  .int()
  .min(1)
  .max(2 ** 32 - 1);
const channels = z.number().int().min(1).max(16);
/** A header extension id: 1-14 in one-byte headers, up to 255 in two-byte ones. */
const extensionId = z.number().int().min(1).max(255);
/** A bit rate in bits per second. */
const bitrate = z
  .number()
  .min(0)
  .max(2 ** 32 - 1);

/** Keys that would reach an object's prototype when assigned (`obj.__proto__ = x`). */
const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * A flat record: at most `maxKeys` keys of 1-`maxKeyLength` characters (none
 * that touch prototypes), each holding a value of `value` (primitives only,
 * so no nesting of any depth gets in).
 */
function flatRecord<V extends z.ZodType>(value: V, maxKeys: number, maxKeyLength: number) {
  const recordKey = z
    .string()
    .min(1)
    .max(maxKeyLength)
    .refine((k) => !RESERVED_KEYS.has(k), "key is reserved (__proto__, constructor, prototype)");
  return z.record(recordKey, value).superRefine((record, ctx) => {
    const count = Object.keys(record).length;
    if (count > maxKeys) {
      ctx.addIssue({
        code: "too_big",
        origin: "object",
        maximum: maxKeys,
        inclusive: true,
        input: record,
        message: `at most ${maxKeys} keys (got ${count})`,
      });
    }
  });
}

/** Codec (and header extension) `parameters`, as SDP `a=fmtp` carries them: a flat list of `key=value`. */
const codecParameters = flatRecord(z.union([z.string().max(256), z.number()]), 32, 64);

export const MediaKind = z.enum(["audio", "video"]);
export type MediaKind = z.infer<typeof MediaKind>;

export const RtcpFeedback = z.object({
  type: z.string().min(1).max(64),
  parameter: z.string().max(64).optional(),
});

export const RtpCodecCapability = z.object({
  kind: MediaKind,
  mimeType,
  preferredPayloadType: payloadType.optional(),
  clockRate,
  channels: channels.optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(32).optional(),
});

export const RtpHeaderExtensionDirection = z.enum(["sendrecv", "sendonly", "recvonly", "inactive"]);

export const RtpHeaderExtensionCapability = z.object({
  kind: MediaKind,
  uri: shortString,
  preferredId: extensionId,
  preferredEncrypt: z.boolean().optional(),
  direction: RtpHeaderExtensionDirection.optional(),
});

export const RtpCapabilities = z.object({
  codecs: z.array(RtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(RtpHeaderExtensionCapability).max(64).optional(),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

export const RtpCodecParameters = z.object({
  mimeType,
  payloadType,
  clockRate,
  channels: channels.optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(32).optional(),
});

export const RtpHeaderExtensionParameters = z.object({
  uri: shortString,
  id: extensionId,
  encrypt: z.boolean().optional(),
  parameters: codecParameters.optional(),
});

/** RTCWeb priorities (mediasoup-client passes them to the browser's sender). */
const Priority = z.enum(["very-low", "low", "medium", "high"]);

export const RtpEncodingParameters = z.object({
  ssrc: uint32.optional(),
  rid: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[A-Za-z0-9_-]+$/, "rid is letters, digits, '-' and '_'")
    .optional(),
  codecPayloadType: payloadType.optional(),
  rtx: z.object({ ssrc: uint32 }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z
    .string()
    .max(16)
    .regex(/^[A-Za-z0-9_]+$/, "scalabilityMode looks like L1T3 or S3T3_KEY")
    .optional(),
  scaleResolutionDownBy: z.number().min(1).max(1024).optional(),
  maxBitrate: bitrate.optional(),
  maxFramerate: z.number().min(0).max(1000).optional(),
  active: z.boolean().optional(),
  adaptivePtime: z.boolean().optional(),
  priority: Priority.optional(),
  networkPriority: Priority.optional(),
});

export const RtcpParameters = z.object({
  cname: z.string().max(256).optional(),
  reducedSize: z.boolean().optional(),
  mux: z.boolean().optional(),
});

export const RtpParameters = z.object({
  mid: z.string().max(32).optional(),
  codecs: z.array(RtpCodecParameters).min(1).max(32),
  headerExtensions: z.array(RtpHeaderExtensionParameters).max(32).optional(),
  encodings: z.array(RtpEncodingParameters).max(16).optional(),
  rtcp: RtcpParameters.optional(),
  msid: z.string().max(256).optional(),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

export const DtlsFingerprint = z.object({
  algorithm: z.enum(["sha-1", "sha-224", "sha-256", "sha-384", "sha-512"]),
  value: z
    .string()
    .max(200)
    .regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/, "fingerprint value must be colon-separated hex"),
});

export const DtlsRole = z.enum(["auto", "client", "server"]);

export const DtlsParameters = z.object({
  role: DtlsRole.optional(),
  fingerprints: z.array(DtlsFingerprint).min(1).max(8),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

export const IceParameters = z.object({
  usernameFragment: shortString,
  password: shortString,
  iceLite: z.boolean().optional(),
});
export type IceParameters = z.infer<typeof IceParameters>;

export const IceCandidate = z.object({
  foundation: shortString,
  priority: uint32,
  /** mediasoup >= 3.13 sends `address`; older versions sent `ip` (3.19 sends both). */
  address: z.string().max(256).optional(),
  ip: z.string().max(256).optional(),
  protocol: z.enum(["udp", "tcp"]),
  port: z.number().int().min(1).max(65535),
  type: z.enum(["host", "srflx", "prflx", "relay"]),
  tcpType: z.enum(["active", "passive", "so"]).optional(),
});
export type IceCandidate = z.infer<typeof IceCandidate>;

export const SctpParameters = z.object({
  port: z.number().int().min(0).max(65535),
  OS: z.number().int().min(0).max(65535),
  MIS: z.number().int().min(0).max(65535),
  maxMessageSize: uint32,
});
export type SctpParameters = z.infer<typeof SctpParameters>;

/**
 * Application data attached to a producer (e.g. `{ source: "screen" }`),
 * stored by the edge and handed to every consumer. Deliberately flat: at most
 * 16 keys of 1-32 characters, each a string of at most 256 characters, a
 * number, a boolean or null; so at most ~5 KB and depth 1, which bounds what
 * the edge stores and fans out, and no nesting of any depth gets in. The web
 * client only ever sends `source`.
 */
export const AppData = flatRecord(z.union([z.string().max(256), z.number(), z.boolean(), z.null()]), 16, 32);
export type AppData = z.infer<typeof AppData>;

/** Freezes an object and everything under it (a shared parse result no caller may change). */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The JSON text of an input; undefined when there is none or it nests too deep to write (the schema decides). */
function jsonKey(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  try {
    return JSON.stringify(input);
  } catch {
    return undefined;
  }
}

export type MemoizedOptions = {
  /** How many distinct accepted inputs are remembered (the oldest is forgotten first). */
  maxEntries?: number;
  /** Inputs whose JSON text is longer are parsed every time and never remembered. */
  maxKeyLength?: number;
};

/**
 * `schema`, parsed at most once per distinct JSON text: an input whose JSON text was accepted
 * before gets that parse's output back (deeply frozen, shared), without walking the schema again.
 * Anything new or refused goes through `schema` itself, with the same issues at the same paths, so
 * the verdict is always the schema's. Made for the large, repetitive, JSON-born inputs of the
 * media API (the `rtpCapabilities` a client sends with every `consume` are the same each time).
 *
 * The JSON text identifies a JSON-born value except for two numbers it cannot write: `-0` (written
 * `0`) and out-of-range ones such as `1e999` (Infinity, written `null`). Texts holding `null` are
 * never remembered, so a non-finite number never meets a cached answer; `-0` meets the answer for
 * `0`, which suits schemas that treat them alike (every numeric check here does). For JSON input
 * only: a value JSON cannot represent (undefined inside arrays, functions) is not this helper's
 * input; one it cannot write (nested too deep, cyclic) is parsed by the schema and not remembered.
 */
export function memoizeAccepted<S extends z.ZodType>(schema: S, options: MemoizedOptions = {}) {
  const maxEntries = options.maxEntries ?? 64;
  const maxKeyLength = options.maxKeyLength ?? 32 * 1024;
  const accepted = new Map<string, z.output<S>>();
  return z.unknown().transform((input, ctx): z.output<S> => {
    const key = jsonKey(input);
    const usable = key !== undefined && key.length <= maxKeyLength && !key.includes("null");
    if (usable) {
      const hit = accepted.get(key);
      if (hit !== undefined) return hit;
    }
    const result = schema.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.issues.push(issue as (typeof ctx.issues)[number]);
      return z.NEVER;
    }
    if (usable) {
      if (accepted.size >= maxEntries) accepted.delete(accepted.keys().next().value as string);
      accepted.set(key, deepFreeze(result.data));
    }
    return result.data;
  });
}
