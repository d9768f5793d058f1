import { createHash, createHmac } from "node:crypto";
import {
  AUTH_HEADERS,
  AUTH_WINDOW_MS,
  canonicalRequest,
  constantTimeEqual,
  hmacSha256Hex,
  mediaPaths as p,
  ReplayGuard,
  sha256Hex,
  signRequest,
  verifyRequest,
} from "@huddle/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeDigests } from "../../media-node/src/api/node-digests.ts";
import type { MediaNode } from "../../media-node/src/node.ts";
import { type ApiClient, apiClient, errorOf, SECRET, startTestNode } from "./helpers.ts";

const METRICS_TOKEN = "metrics-token-0123456789";

let node: MediaNode;
let api: ApiClient;

beforeAll(async () => {
  node = await startTestNode({ metricsToken: METRICS_TOKEN, allowPlain: false });
  api = apiClient(node.url);
});
afterAll(async () => {
  await node?.close();
});

/** Sends a request with exactly these headers (no signing). */
async function raw(method: string, path: string, headers: Record<string, string>, body?: string) {
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  const res = await fetch(new URL(path, node.url), init);
  const text = await res.text();
  return { status: res.status, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
}

async function expectRoomAbsent(roomId: string) {
  const answer = await api.call("GET", p.room(roomId));
  expect(answer.status).toBe(404);
}

describe("request authentication", () => {
  it("refuses a request without signature headers, and does nothing", async () => {
    const answer = await raw("PUT", p.room("auth-none"), {});
    expect(answer.status).toBe(401);
    expect(errorOf(answer)).toEqual({ code: "unauthorized", message: "authentication failed: missing" });
    await expectRoomAbsent("auth-none");
  });

  it("refuses a signature made with another secret", async () => {
    const headers = await signRequest({ secret: "another-secret-0123456789", method: "PUT", url: p.room("auth-x") });
    const answer = await raw("PUT", p.room("auth-x"), headers);
    expect(answer.status).toBe(401);
    expect(errorOf(answer).message).toContain("bad-signature");
    await expectRoomAbsent("auth-x");
  });

  it("refuses a signature made for another path, method or body", async () => {
    const forOtherPath = await signRequest({ secret: SECRET, method: "PUT", url: p.room("auth-other") });
    expect((await raw("PUT", p.room("auth-path"), forOtherPath)).status).toBe(401);
    const forGet = await signRequest({ secret: SECRET, method: "GET", url: p.room("auth-method") });
    expect((await raw("PUT", p.room("auth-method"), forGet)).status).toBe(401);
    const forEmpty = await signRequest({ secret: SECRET, method: "PUT", url: p.room("auth-body") });
    expect((await raw("PUT", p.room("auth-body"), forEmpty, "{}")).status).toBe(401);
    for (const roomId of ["auth-other", "auth-path", "auth-method", "auth-body"]) await expectRoomAbsent(roomId);
  });

  it("refuses a stale or future timestamp", async () => {
    for (const skew of [-(AUTH_WINDOW_MS + 5000), AUTH_WINDOW_MS + 5000]) {
      const headers = await signRequest({
        secret: SECRET,
        method: "PUT",
        url: p.room("auth-stale"),
        now: Date.now() + skew,
      });
      const answer = await raw("PUT", p.room("auth-stale"), headers);
      expect(answer.status).toBe(401);
      expect(errorOf(answer).message).toContain("stale");
    }
    await expectRoomAbsent("auth-stale");
  });

  it("refuses malformed headers", async () => {
    const headers = await signRequest({ secret: SECRET, method: "PUT", url: p.room("auth-bad") });
    for (const [name, value] of [
      [AUTH_HEADERS.timestamp, "yesterday"],
      [AUTH_HEADERS.nonce, "not hex!"],
      [AUTH_HEADERS.signature, "00"],
    ] as const) {
      const answer = await raw("PUT", p.room("auth-bad"), { ...headers, [name]: value });
      expect(answer.status).toBe(401);
    }
    await expectRoomAbsent("auth-bad");
  });

  it("accepts a signed request once: the same request replayed is refused and changes nothing", async () => {
    const roomId = "auth-replay";
    await api.put(p.room(roomId));
    const headers = await signRequest({ secret: SECRET, method: "DELETE", url: p.room(roomId) });
    expect((await raw("DELETE", p.room(roomId), headers)).status).toBe(200);
    await expectRoomAbsent(roomId);
    await api.put(p.room(roomId));
    const replay = await raw("DELETE", p.room(roomId), headers);
    expect(replay.status).toBe(401);
    expect(errorOf(replay).message).toContain("replayed");
    expect((await api.call("GET", p.room(roomId))).status).toBe(200);
  });

  it("answers 401, not 404, to unsigned requests for unknown routes", async () => {
    expect((await raw("GET", "/v1/nothing-here", {})).status).toBe(401);
    expect((await api.call("GET", "/v1/nothing-here")).status).toBe(404);
  });

  it("serves /healthz without authentication", async () => {
    const answer = await raw("GET", p.health, {});
    expect(answer).toEqual({ status: 200, body: { ok: true, workers: 1 } });
  });

  it("serves /metrics to a signed request or to the metrics bearer token only", async () => {
    expect((await raw("GET", p.metrics, {})).status).toBe(401);
    expect((await raw("GET", p.metrics, { authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
    const res = await fetch(new URL(p.metrics, node.url), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("# TYPE huddle_media_worker_cpu_seconds_total counter");
    expect(text).toMatch(/huddle_media_http_auth_failures_total\{reason="missing"\} \d+/);
    expect(text).toMatch(/huddle_media_workers_alive 1/);
    // The token is for metrics only.
    expect((await raw("GET", p.load, { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(401);
    const signed = await api.call("GET", p.load);
    expect(signed.status).toBe(200);
  });

  it("refuses plain transports when they are not enabled", async () => {
    await api.put(p.room("auth-plain"));
    const answer = await api.call("POST", p.plainTransports("auth-plain", "alice"), { direction: "send" });
    expect(answer.status).toBe(403);
    expect(errorOf(answer).code).toBe("plain-disabled");
  });
});

describe("media-auth helpers", () => {
  it("signs the canonical request with HMAC-SHA256 over the body's SHA-256", async () => {
    const body = '{"direction":"send"}';
    const headers = await signRequest({
      secret: SECRET,
      method: "post",
      url: "http://h/x?y=1",
      body,
      now: 1234,
      nonce: "ab".repeat(8),
    });
    const expected = await hmacSha256Hex(
      SECRET,
      canonicalRequest("POST", "/x?y=1", "1234", "ab".repeat(8), await sha256Hex(body)),
    );
    expect(headers).toEqual({
      [AUTH_HEADERS.timestamp]: "1234",
      [AUTH_HEADERS.nonce]: "ab".repeat(8),
      [AUTH_HEADERS.signature]: expected,
    });
    expect(await sha256Hex("")).toBe(createHash("sha256").digest("hex"));
    expect(await sha256Hex("{}")).toBe(createHash("sha256").update("{}").digest("hex"));
    expect(await sha256Hex(new TextEncoder().encode("{}"))).toBe(await sha256Hex("{}"));
    expect(await hmacSha256Hex(SECRET, "m")).toBe(createHmac("sha256", SECRET).update("m").digest("hex"));
  });

  it("verifies, and refuses replays, within the window only", async () => {
    const replay = new ReplayGuard(AUTH_WINDOW_MS);
    const headers = await signRequest({ secret: SECRET, method: "GET", url: "/v1/load", now: 10_000 });
    const verify = (now: number) =>
      verifyRequest({
        secret: SECRET,
        method: "GET",
        pathWithQuery: "/v1/load",
        header: (name) => headers[name],
        body: undefined,
        replay,
        now,
      });
    expect(await verify(10_000 + AUTH_WINDOW_MS + 1)).toEqual({ ok: false, reason: "stale" });
    expect(await verify(10_500)).toEqual({ ok: true });
    expect(await verify(10_600)).toEqual({ ok: false, reason: "replayed" });
    expect(replay.size).toBe(1);
  });

  it("signs and verifies the same with node:crypto's hashes as with WebCrypto's", async () => {
    for (const body of [undefined, "", "{}", '{"direction":"recv","text":"h\u00e9llo \u{1F600}"}']) {
      expect(nodeDigests.sha256Hex(body)).toBe(await sha256Hex(body));
    }
    expect(nodeDigests.hmacSha256Hex(SECRET, "m\nn")).toBe(await hmacSha256Hex(SECRET, "m\nn"));
    const body = '{"producerId":"x"}';
    const webSigned = await signRequest({ secret: SECRET, method: "POST", url: "/v1/x", body, now: 5000 });
    const nodeSigned = await signRequest({
      secret: SECRET,
      method: "POST",
      url: "/v1/x",
      body,
      now: 5000,
      nonce: webSigned[AUTH_HEADERS.nonce] as string,
      digests: nodeDigests,
    });
    expect(nodeSigned).toEqual(webSigned);
    const verify = (headers: Record<string, string>, withBody: string) =>
      verifyRequest({
        secret: SECRET,
        method: "POST",
        pathWithQuery: "/v1/x",
        header: (name) => headers[name],
        body: withBody,
        replay: undefined,
        now: 5000,
        digests: nodeDigests,
      });
    expect(await verify(webSigned, body)).toEqual({ ok: true });
    expect(await verify(webSigned, `${body} `)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("forgets signatures once they are out of the window, and refuses when full", () => {
    const guard = new ReplayGuard(1000, 2);
    expect(guard.accept("a", 0, 0)).toBe(true);
    expect(guard.accept("b", 0, 0)).toBe(true);
    expect(guard.accept("c", 0, 0)).toBe(false);
    expect(guard.accept("c", 5000, 5000)).toBe(true);
    expect(guard.size).toBe(1);
  });

  it("compares strings in constant time, exactly", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });
});
