import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import {
  CLIENT_RECONNECT_LIMIT_MS,
  DEFAULT_MAX_PARTICIPANTS,
  DEFAULT_RATE_BURST,
  DEFAULT_RATE_PER_SECOND,
} from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { ConfigError, originAllowed, readConfig } from "../../edge/src/config.ts";
import worker from "../../edge/src/index.ts";
import { TestClient, uniqueRoom, upgrade } from "./client.ts";

const ALLOWED_ORIGIN = "https://huddle.test"; // set in vitest.config.ts

async function errorBody(response: Response): Promise<{ code: string; message: string }> {
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  return body.error;
}

describe("HTTP surface", () => {
  it("GET /healthz answers ok with JSON", async () => {
    const response = await exports.default.fetch("https://edge.test/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, maxParticipants: DEFAULT_MAX_PARTICIPANTS });
  });

  it("a request to the room socket without Upgrade gets 426 with a JSON body", async () => {
    const response = await exports.default.fetch(`https://edge.test/rooms/${uniqueRoom("plain")}/ws`);
    expect(response.status).toBe(426);
    expect(response.headers.get("Upgrade")).toBe("websocket");
    expect((await errorBody(response)).code).toBe("upgrade-required");
  });

  it.each([
    ["a character outside the set", "bad.room"],
    ["a space", "bad%20room"],
    ["65 characters", "r".repeat(65)],
    ["an encoded slash", "a%2Fb"],
  ])("an invalid room id (%s) gets 400 with a JSON body", async (_why, roomId) => {
    const response = await upgrade(`/rooms/${roomId}/ws`);
    expect(response.status).toBe(400);
    expect(response.webSocket).toBeNull();
    expect((await errorBody(response)).code).toBe("invalid-room-id");
  });

  it("an Origin outside ALLOWED_ORIGINS gets 403 with a JSON body", async () => {
    const response = await upgrade(`/rooms/${uniqueRoom("origin")}/ws`, { Origin: "https://evil.test" });
    expect(response.status).toBe(403);
    expect(response.webSocket).toBeNull();
    expect((await errorBody(response)).code).toBe("forbidden-origin");
  });

  it("an allowed Origin, and a client that sends no Origin (not a browser), may connect", async () => {
    const roomId = uniqueRoom("origin");
    const browser = await TestClient.connect(roomId, { Origin: ALLOWED_ORIGIN });
    expect((await browser.joinAs("browser")).data.users).toEqual(["browser"]);
    const tool = await TestClient.connect(roomId);
    expect((await tool.joinAs("tool")).data.users).toEqual(["browser", "tool"]);
    await browser.close();
    await tool.close();
  });

  it("unknown API paths get 404 JSON; other paths belong to the static assets", async () => {
    const api = await exports.default.fetch("https://edge.test/rooms/abc");
    expect(api.status).toBe(404);
    expect((await errorBody(api)).code).toBe("not-found");
    const post = await exports.default.fetch("https://edge.test/healthz", { method: "POST" });
    expect(post.status).toBe(404);
  });
});

describe("configuration ([vars], validated with zod)", () => {
  it("uses the protocol defaults when a var is unset or empty", () => {
    const config = readConfig({ MAX_PARTICIPANTS: "", RATE_BURST: undefined });
    expect(config.maxParticipants).toBe(DEFAULT_MAX_PARTICIPANTS);
    expect(config.rateBurst).toBe(DEFAULT_RATE_BURST);
    expect(config.ratePerSecond).toBe(DEFAULT_RATE_PER_SECOND);
    expect(config.allowedOrigins).toBe("any");
  });

  it("keeps a dropped member by default as long as the web client tries to get back", () => {
    // A shorter grace made a page that came back between the two look like it left and rejoined.
    expect(readConfig({}).reconnectGraceMs).toBe(CLIENT_RECONNECT_LIMIT_MS);
    expect(CLIENT_RECONNECT_LIMIT_MS).toBe(60_000);
  });

  it("reads numbers and an origin list", () => {
    const config = readConfig({
      MAX_PARTICIPANTS: "8",
      RATE_BURST: "5",
      RATE_PER_SECOND: "2.5",
      ALLOWED_ORIGINS: " https://a.test , http://localhost:5173",
    });
    expect(config).toMatchObject({ maxParticipants: 8, maxSockets: 16, rateBurst: 5, ratePerSecond: 2.5 });
    expect(originAllowed(config, "https://a.test")).toBe(true);
    expect(originAllowed(config, "http://localhost:5173")).toBe(true);
    expect(originAllowed(config, "https://b.test")).toBe(false);
    expect(originAllowed(config, undefined)).toBe(true);
    expect(originAllowed(readConfig({ ALLOWED_ORIGINS: "https://a.test,*" }), "https://b.test")).toBe(true);
  });

  it("a bad value makes /healthz and the room socket answer 500 JSON naming the var", async () => {
    const badEnv = { ...env, RATE_PER_SECOND: "fast" };
    const ctx = createExecutionContext();
    const health = await worker.fetch(new Request("https://edge.test/healthz"), badEnv, ctx);
    expect(health.status).toBe(500);
    const error = await errorBody(health);
    expect(error.code).toBe("config-invalid");
    expect(error.message).toContain("RATE_PER_SECOND");
    const socket = await worker.fetch(
      new Request(`https://edge.test/rooms/${uniqueRoom("bad-config")}/ws`, { headers: { Upgrade: "websocket" } }),
      badEnv,
      ctx,
    );
    expect(socket.status).toBe(500);
    expect(socket.webSocket).toBeNull();
    await waitOnExecutionContext(ctx);
  });

  it.each([
    [{ MAX_PARTICIPANTS: "many" }, "MAX_PARTICIPANTS"],
    [{ MAX_PARTICIPANTS: "0" }, "MAX_PARTICIPANTS"],
    [{ MAX_PARTICIPANTS: "2.5" }, "MAX_PARTICIPANTS"],
    [{ RATE_BURST: "-1" }, "RATE_BURST"],
    [{ RATE_PER_SECOND: "0" }, "RATE_PER_SECOND"],
    [{ ALLOWED_ORIGINS: "https://a.test/path" }, "ALLOWED_ORIGINS"],
    [{ ALLOWED_ORIGINS: "not a url" }, "ALLOWED_ORIGINS"],
    [{ API_KEYS: "key-without-secret" }, "API_KEYS"],
    [{ API_KEYS: "key:short" }, "API_KEYS"],
    [{ JWKS: "{not json" }, "JWKS"],
    [{ TURN_URLS: "turn:127.0.0.1:3478" }, "TURN_SECRET"],
    [{ TURN_SECRET: "0123456789abcdef" }, "TURN_URLS"],
    [{ TURN_SECRET: "0123456789abcdef", TURN_URLS: "http://turn.example.com" }, "TURN_URLS"],
  ])("refuses %o with an error naming %s", (vars, name) => {
    expect(() => readConfig(vars)).toThrow(ConfigError);
    expect(() => readConfig(vars)).toThrow(name);
  });
});
