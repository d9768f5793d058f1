import { availableParallelism } from "node:os";
import { MEDIA_SECRET_MIN_LENGTH } from "@huddle/protocol";
import { z } from "zod";

/** Accepts a number or its decimal string form (environment variables are strings). */
const integer = (min: number, max: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .trim()
        .regex(/^-?[0-9]+$/, "must be an integer")
        .transform(Number),
    ])
    .pipe(z.number().int().min(min).max(max));

const boolean = z
  .union([
    z.boolean(),
    z.enum(["true", "false", "1", "0", "yes", "no"]).transform((v) => ["true", "1", "yes"].includes(v)),
  ])
  .pipe(z.boolean());

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The node's settings; every field has an environment variable (ENV_NAMES). */
export const ConfigSchema = z
  .object({
    host: z.string().min(1).default("127.0.0.1"),
    port: integer(0, 65535).default(4000),
    announcedIp: z.string().min(1).optional(),
    rtcListenIp: z.union([z.ipv4(), z.ipv6()]).default("0.0.0.0"),
    rtcPortMin: integer(0, 65535).default(40000),
    workers: integer(1, 256).default(() => availableParallelism()),
    secret: z
      .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
      .min(MEDIA_SECRET_MIN_LENGTH, `must be at least ${MEDIA_SECRET_MIN_LENGTH} characters`),
    edgeUrl: httpUrl.optional(),
    publicUrl: httpUrl.optional(),
    logLevel: z.enum(LOG_LEVELS).default("info"),
    allowPlain: boolean.default(false),
    metricsToken: z.string().min(16, "must be at least 16 characters").optional(),
    announceIntervalMs: integer(1000, 600_000).default(10_000),
    eventsFlushMs: integer(10, 10_000).default(150),
    iceConsentTimeoutS: integer(0, 600).default(30),
    iceDisconnectedCloseMs: integer(100, 600_000).default(30_000),
    recordingsDir: z.string().min(1).optional(),
    recordingsMinFreeMb: integer(0, 10_000_000).default(500),
    ffmpegPath: z.string().min(1).default("ffmpeg"),
    gstLaunchPath: z.string().min(1).default("gst-launch-1.0"),
    recordingsDiskCheckMs: integer(100, 600_000).default(5000),
    s3Endpoint: httpUrl.optional(),
    s3Bucket: z.string().min(1).optional(),
    s3Region: z.string().min(1).default("us-east-1"),
    s3AccessKeyId: z.string().min(1).optional(),
    s3SecretAccessKey: z.string().min(1).optional(),
    s3Prefix: z.string().max(512).default(""),
    s3ForcePathStyle: boolean.default(false),
    s3KeepLocal: boolean.default(true),
  })
  .superRefine((c, ctx) => {
    if (c.rtcPortMin !== 0 && (c.rtcPortMin < 1024 || c.rtcPortMin + c.workers - 1 > 65535)) {
      ctx.addIssue({
        code: "custom",
        path: ["rtcPortMin"],
        message: `must be 0 (any free port) or leave room for ${c.workers} ports between 1024 and 65535`,
      });
    }
  })
  .superRefine((c, ctx) => {
    if ((c.s3AccessKeyId === undefined) !== (c.s3SecretAccessKey === undefined)) {
      ctx.addIssue({ code: "custom", path: ["s3SecretAccessKey"], message: "set both S3 keys, or neither" });
    }
    if (c.s3Bucket !== undefined && c.recordingsDir === undefined) {
      ctx.addIssue({ code: "custom", path: ["s3Bucket"], message: "uploads need MEDIA_NODE_RECORDINGS_DIR" });
    }
  })
  .transform((c) => ({
    ...c,
    announcedIp: c.announcedIp ?? (WILDCARDS.has(c.host) ? "127.0.0.1" : c.host),
  }));

export type MediaNodeConfig = z.output<typeof ConfigSchema>;
export type MediaNodeOptions = z.input<typeof ConfigSchema>;

/** Environment variable of each setting. */
export const ENV_NAMES = {
  host: "MEDIA_NODE_HOST",
  port: "MEDIA_NODE_PORT",
  announcedIp: "MEDIA_NODE_ANNOUNCED_IP",
  rtcListenIp: "MEDIA_NODE_RTC_LISTEN_IP",
  rtcPortMin: "MEDIA_NODE_RTC_PORT_MIN",
  workers: "MEDIA_NODE_WORKERS",
  secret: "MEDIA_NODE_SECRET",
  edgeUrl: "MEDIA_NODE_EDGE_URL",
  publicUrl: "MEDIA_NODE_PUBLIC_URL",
  logLevel: "MEDIA_NODE_LOG_LEVEL",
  allowPlain: "MEDIA_NODE_ALLOW_PLAIN",
  metricsToken: "MEDIA_NODE_METRICS_TOKEN",
  announceIntervalMs: "MEDIA_NODE_ANNOUNCE_INTERVAL_MS",
  eventsFlushMs: "MEDIA_NODE_EVENTS_FLUSH_MS",
  iceConsentTimeoutS: "MEDIA_NODE_ICE_CONSENT_TIMEOUT_S",
  iceDisconnectedCloseMs: "MEDIA_NODE_ICE_DISCONNECTED_CLOSE_MS",
  recordingsDir: "MEDIA_NODE_RECORDINGS_DIR",
  recordingsMinFreeMb: "MEDIA_NODE_RECORDINGS_MIN_FREE_MB",
  ffmpegPath: "MEDIA_NODE_FFMPEG",
  gstLaunchPath: "MEDIA_NODE_GST_LAUNCH",
  recordingsDiskCheckMs: "MEDIA_NODE_RECORDINGS_DISK_CHECK_MS",
  s3Endpoint: "MEDIA_NODE_S3_ENDPOINT",
  s3Bucket: "MEDIA_NODE_S3_BUCKET",
  s3Region: "MEDIA_NODE_S3_REGION",
  s3AccessKeyId: "MEDIA_NODE_S3_ACCESS_KEY_ID",
  s3SecretAccessKey: "MEDIA_NODE_S3_SECRET_ACCESS_KEY",
  s3Prefix: "MEDIA_NODE_S3_PREFIX",
  s3ForcePathStyle: "MEDIA_NODE_S3_FORCE_PATH_STYLE",
  s3KeepLocal: "MEDIA_NODE_S3_KEEP_LOCAL",
} as const satisfies Record<keyof MediaNodeOptions, string>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

function describe(error: z.ZodError, name: (key: string) => string): string {
  const lines = error.issues.map((issue) => {
    const key = String(issue.path[0] ?? "");
    return `  ${name(key)}: ${issue.message}`;
  });
  return `invalid media node configuration:\n${lines.join("\n")}`;
}

/** Validates options given in code (tests, benchmarks). Throws ConfigError. */
export function parseConfig(options: MediaNodeOptions): MediaNodeConfig {
  const result = ConfigSchema.safeParse(options);
  if (!result.success) throw new ConfigError(describe(result.error, (key) => key));
  return result.data;
}

/** Reads the configuration from environment variables. Throws ConfigError naming the variables at fault. */
export function configFromEnv(env: NodeJS.ProcessEnv): MediaNodeConfig {
  const raw: Record<string, string | undefined> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    raw[key] = value === "" ? undefined : value;
  }
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(describe(result.error, (key) => ENV_NAMES[key as keyof typeof ENV_NAMES] ?? key));
  }
  return result.data;
}
