import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mediaPaths as p } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { ConfigError, configFromEnv } from "../../media-node/src/config.ts";
import { apiClient, SECRET } from "./helpers.ts";

const MAIN = fileURLToPath(new URL("../../media-node/src/main.ts", import.meta.url));

describe("configuration from the environment", () => {
  it("has defaults for everything but the secret", () => {
    const config = configFromEnv({ MEDIA_NODE_SECRET: SECRET });
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 4000,
      announcedIp: "127.0.0.1",
      rtcListenIp: "0.0.0.0",
      rtcPortMin: 40000,
      logLevel: "info",
      allowPlain: false,
      announceIntervalMs: 10_000,
      eventsFlushMs: 150,
      iceConsentTimeoutS: 30,
      iceDisconnectedCloseMs: 30_000,
    });
    expect(config.workers).toBeGreaterThanOrEqual(1);
    expect(config.edgeUrl).toBeUndefined();
  });

  it("reads every variable", () => {
    const config = configFromEnv({
      MEDIA_NODE_SECRET: SECRET,
      MEDIA_NODE_HOST: "0.0.0.0",
      MEDIA_NODE_PORT: "0",
      MEDIA_NODE_ANNOUNCED_IP: "203.0.113.7",
      MEDIA_NODE_RTC_LISTEN_IP: "10.0.0.2",
      MEDIA_NODE_RTC_PORT_MIN: "50000",
      MEDIA_NODE_WORKERS: "3",
      MEDIA_NODE_EDGE_URL: "https://edge.example",
      MEDIA_NODE_PUBLIC_URL: "https://media-1.example",
      MEDIA_NODE_LOG_LEVEL: "warn",
      MEDIA_NODE_ALLOW_PLAIN: "true",
      MEDIA_NODE_METRICS_TOKEN: "0123456789abcdef0123",
      MEDIA_NODE_ANNOUNCE_INTERVAL_MS: "5000",
      MEDIA_NODE_EVENTS_FLUSH_MS: "250",
      MEDIA_NODE_ICE_CONSENT_TIMEOUT_S: "12",
      MEDIA_NODE_ICE_DISCONNECTED_CLOSE_MS: "4000",
      MEDIA_NODE_RECORDINGS_DIR: "/var/lib/huddle/recordings",
      MEDIA_NODE_RECORDINGS_MIN_FREE_MB: "2000",
      MEDIA_NODE_FFMPEG: "/usr/local/bin/ffmpeg",
      MEDIA_NODE_GST_LAUNCH: "/usr/local/bin/gst-launch-1.0",
      MEDIA_NODE_RECORDINGS_DISK_CHECK_MS: "1000",
      MEDIA_NODE_S3_ENDPOINT: "https://s3.example",
      MEDIA_NODE_S3_BUCKET: "calls",
      MEDIA_NODE_S3_REGION: "eu-central-1",
      MEDIA_NODE_S3_ACCESS_KEY_ID: "AKIAEXAMPLE",
      MEDIA_NODE_S3_SECRET_ACCESS_KEY: "secret-example",
      MEDIA_NODE_S3_PREFIX: "huddle/",
      MEDIA_NODE_S3_FORCE_PATH_STYLE: "yes",
      MEDIA_NODE_S3_KEEP_LOCAL: "false",
    });
    expect(config).toEqual({
      secret: SECRET,
      host: "0.0.0.0",
      port: 0,
      announcedIp: "203.0.113.7",
      rtcListenIp: "10.0.0.2",
      rtcPortMin: 50000,
      workers: 3,
      edgeUrl: "https://edge.example",
      publicUrl: "https://media-1.example",
      logLevel: "warn",
      allowPlain: true,
      metricsToken: "0123456789abcdef0123",
      announceIntervalMs: 5000,
      eventsFlushMs: 250,
      iceConsentTimeoutS: 12,
      iceDisconnectedCloseMs: 4000,
      recordingsDir: "/var/lib/huddle/recordings",
      recordingsMinFreeMb: 2000,
      ffmpegPath: "/usr/local/bin/ffmpeg",
      gstLaunchPath: "/usr/local/bin/gst-launch-1.0",
      recordingsDiskCheckMs: 1000,
      s3Endpoint: "https://s3.example",
      s3Bucket: "calls",
      s3Region: "eu-central-1",
      s3AccessKeyId: "AKIAEXAMPLE",
      s3SecretAccessKey: "secret-example",
      s3Prefix: "huddle/",
      s3ForcePathStyle: true,
      s3KeepLocal: false,
    });
  });

  it("uploads only with both S3 keys or neither, and only with a recordings folder", () => {
    const base = { MEDIA_NODE_SECRET: SECRET, MEDIA_NODE_RECORDINGS_DIR: "/rec", MEDIA_NODE_S3_BUCKET: "calls" };
    expect(configFromEnv(base)).toMatchObject({
      s3Region: "us-east-1",
      s3Prefix: "",
      s3ForcePathStyle: false,
      s3KeepLocal: true,
    });
    expect(() => configFromEnv({ ...base, MEDIA_NODE_S3_ACCESS_KEY_ID: "AKIA" })).toThrow(
      /MEDIA_NODE_S3_SECRET_ACCESS_KEY/,
    );
    expect(() => configFromEnv({ ...base, MEDIA_NODE_RECORDINGS_DIR: "" })).toThrow(
      /MEDIA_NODE_S3_BUCKET: uploads need/,
    );
    expect(() => configFromEnv({ ...base, MEDIA_NODE_S3_ENDPOINT: "ftp://s3" })).toThrow(/MEDIA_NODE_S3_ENDPOINT/);
    expect(() => configFromEnv({ ...base, MEDIA_NODE_RECORDINGS_DISK_CHECK_MS: "5" })).toThrow(
      /MEDIA_NODE_RECORDINGS_DISK_CHECK_MS/,
    );
  });

  it("names every bad variable in one clear error", () => {
    const bad = () =>
      configFromEnv({
        MEDIA_NODE_SECRET: "short",
        MEDIA_NODE_PORT: "eighty",
        MEDIA_NODE_WORKERS: "0",
        MEDIA_NODE_RTC_PORT_MIN: "80",
        MEDIA_NODE_EDGE_URL: "ftp://edge",
        MEDIA_NODE_LOG_LEVEL: "loud",
        MEDIA_NODE_ALLOW_PLAIN: "maybe",
      });
    expect(bad).toThrow(ConfigError);
    let message = "";
    try {
      bad();
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of [
      "MEDIA_NODE_SECRET",
      "MEDIA_NODE_PORT",
      "MEDIA_NODE_WORKERS",
      "MEDIA_NODE_EDGE_URL",
      "MEDIA_NODE_LOG_LEVEL",
      "MEDIA_NODE_ALLOW_PLAIN",
    ]) {
      expect(message).toContain(name);
    }
    expect(() => configFromEnv({})).toThrow(/MEDIA_NODE_SECRET: is required/);
    expect(() => configFromEnv({ MEDIA_NODE_SECRET: SECRET, MEDIA_NODE_RTC_PORT_MIN: "80" })).toThrow(
      /MEDIA_NODE_RTC_PORT_MIN/,
    );
  });
});

type Run = { code: number | null; stdout: string; stderr: string };

function runMain(env: Record<string, string>, onStdout?: (text: string, kill: () => void) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      // A clean environment: only PATH (and a worker binary override, when the run uses one).
      env: {
        PATH: process.env.PATH ?? "",
        ...(process.env.MEDIASOUP_WORKER_BIN ? { MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN } : {}),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, () => child.kill("SIGTERM"));
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("main.ts", () => {
  it("exits non-zero with a clear message on a bad value", async () => {
    const run = await runMain({ MEDIA_NODE_SECRET: SECRET, MEDIA_NODE_PORT: "99999" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("invalid media node configuration");
    expect(run.stderr).toContain("MEDIA_NODE_PORT");
  });

  it("prints where it listens, serves, and exits 0 with its worker gone on SIGTERM", async () => {
    let checked: Promise<{ pid: number }> | undefined;
    const run = await runMain(
      {
        MEDIA_NODE_SECRET: SECRET,
        MEDIA_NODE_PORT: "0",
        MEDIA_NODE_RTC_PORT_MIN: "0",
        MEDIA_NODE_RTC_LISTEN_IP: "127.0.0.1",
        MEDIA_NODE_WORKERS: "1",
        MEDIA_NODE_LOG_LEVEL: "warn",
      },
      (stdout, kill) => {
        const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
        if (url === undefined || checked !== undefined) return;
        checked = (async () => {
          const health = await fetch(new URL(p.health, url));
          expect(health.status).toBe(200);
          const load = await apiClient(url).load();
          const pid = load.workers[0]?.pid ?? 0;
          kill();
          return { pid };
        })();
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const { pid } = await (checked ?? Promise.reject(new Error("never listened")));
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
