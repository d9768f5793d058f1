import {
  CHAT_TEXT_MAX_LENGTH,
  CLIENT_MESSAGE_TYPES,
  type ClientMessageType,
  clientData,
  MAX_FRAME_BYTES,
  type Parsed,
  parseClientMessage,
  parseServerMessage,
  SERVER_MESSAGE_TYPES,
  TOKEN_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
} from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import { clientSamples, serverSamples } from "./samples.ts";
import { seedClientExamples, seedServerExamples } from "./seed-examples.ts";

const frame = (type: string, data: unknown, requestId?: string) =>
  JSON.stringify(requestId === undefined ? { type, data } : { type, data, requestId });

function expectError(result: Parsed<unknown>, code: string, requestId?: string) {
  expect(result.ok, JSON.stringify(result)).toBe(false);
  if (result.ok) return;
  expect(result.error.type).toBe("error");
  expect(result.error.data.code).toBe(code);
  expect(result.error.data.message.length).toBeGreaterThan(0);
  expect(result.error.requestId).toBe(requestId);
}

/** A value of another JSON type than `value`. */
function wrongType(value: unknown): unknown {
  if (typeof value === "string") return 12345;
  if (typeof value === "number") return "12345";
  if (typeof value === "boolean") return "true";
  if (Array.isArray(value)) return { not: "an array" };
  return "not an object";
}

describe("the original document's examples", () => {
  it.each(seedClientExamples.map((m) => [m.type, m] as const))("client %s parses", (_type, message) => {
    const result = parseClientMessage(JSON.stringify(message));
    expect(result).toEqual({ ok: true, message });
  });

  it.each(seedServerExamples.map((m) => [m.type, m] as const))("server %s parses", (type, message) => {
    const result = parseServerMessage(JSON.stringify(message));
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) expect(result.message.type).toBe(type);
  });

  it("an original error without code reads as internal", () => {
    const result = parseServerMessage(JSON.stringify({ type: "error", data: { message: "boom" } }));
    expect(result).toEqual({ ok: true, message: { type: "error", data: { message: "boom", code: "internal" } } });
  });
});

describe("every client message type", () => {
  it("has a sample (the table below covers them all)", () => {
    expect(Object.keys(clientSamples).sort()).toEqual([...CLIENT_MESSAGE_TYPES].sort());
  });

  describe.each(CLIENT_MESSAGE_TYPES.map((t) => [t] as const))("%s", (type: ClientMessageType) => {
    const sample = clientSamples[type];

    it("accepts a valid message and keeps requestId", () => {
      const result = parseClientMessage(frame(type, sample, "req-1"));
      expect(result).toEqual({ ok: true, message: { type, data: sample, requestId: "req-1" } });
    });

    it("accepts it without requestId and adds none", () => {
      const result = parseClientMessage(frame(type, sample));
      expect(result.ok).toBe(true);
      if (result.ok) expect("requestId" in result.message).toBe(false);
    });

    // Some messages carry nothing (`end-room`) or only optional fields (`update-room`): `{}` is their valid data.
    const emptyIsValid = clientData[type].safeParse({}).success;
    const bad: [string, unknown][] = [
      ["missing data", undefined],
      ["null data", null],
      ["array data", [sample]],
      ["string data", "data"],
    ];
    if (!emptyIsValid) bad.push(["empty data", {}]);
    it.each(bad)("rejects %s as invalid-message, echoing requestId", (_what, data) => {
      expectError(parseClientMessage(frame(type, data, "r2")), "invalid-message", "r2");
    });

    it.each(Object.keys(sample).map((k) => [k] as const))("rejects a wrong type in %s", (key) => {
      const bad = { ...sample, [key]: wrongType(sample[key]) };
      expectError(parseClientMessage(frame(type, bad, "r3")), "invalid-message", "r3");
    });

    // Enums and formats (direction, kind, timestamp, reaction) have no length limit: a long value is just invalid.
    const unlimited = new Set(["direction", "kind", "timestamp", "source", "reaction"]);
    const stringKeys = Object.keys(sample).filter((k) => typeof sample[k] === "string" && !unlimited.has(k));
    if (stringKeys.length > 0) {
      it.each(stringKeys.map((k) => [k] as const))("rejects an oversize %s as too-large", (key) => {
        const bad = { ...sample, [key]: "a".repeat(TOKEN_MAX_LENGTH + 1) };
        expectError(parseClientMessage(frame(type, bad, "r4")), "too-large", "r4");
      });
    }
  });
});

describe("every server message type", () => {
  it("has a sample", () => {
    expect(Object.keys(serverSamples).sort()).toEqual([...SERVER_MESSAGE_TYPES].sort());
  });

  it.each(SERVER_MESSAGE_TYPES.map((t) => [t] as const))("%s parses and keeps requestId", (type) => {
    const result = parseServerMessage(frame(type, serverSamples[type], "x"));
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) expect(result.message).toMatchObject({ type, requestId: "x" });
  });

  it.each(SERVER_MESSAGE_TYPES.map((t) => [t] as const))("%s with empty data is rejected", (type) => {
    expectError(parseServerMessage(frame(type, {})), "invalid-message");
  });
});

describe("envelope", () => {
  it.each([
    ["not JSON", "{type:"],
    ["a JSON array", "[1,2]"],
    ["a JSON number", "42"],
    ["JSON null", "null"],
    ["a missing type", JSON.stringify({ data: {} })],
    ["a non-string type", JSON.stringify({ type: 7, data: {} })],
  ])("rejects %s as invalid-message", (_what, raw) => {
    expectError(parseClientMessage(raw), "invalid-message");
  });

  it("rejects binary frames", () => {
    expectError(
      parseClientMessage(new TextEncoder().encode(frame("join-room", clientSamples["join-room"]))),
      "invalid-message",
    );
  });

  it.each(["no-such-type", "joined", "error", "__proto__", "constructor", "toString"])(
    "rejects the unknown or server-only type %s, echoing requestId",
    (type) => {
      expectError(parseClientMessage(frame(type, {}, "r5")), "invalid-message", "r5");
    },
  );

  it.each([
    ["a number", 5],
    ["an empty string", ""],
    ["an oversize string", "r".repeat(65)],
  ])("rejects a requestId that is %s", (_what, requestId) => {
    const raw = JSON.stringify({ type: "join-room", data: clientSamples["join-room"], requestId });
    expectError(parseClientMessage(raw), "invalid-message");
  });

  it("rejects a frame over the size limit as too-large", () => {
    const text = "é".repeat(MAX_FRAME_BYTES / 2); // 2 bytes each in UTF-8: over the limit in bytes, not in characters
    expect(text.length).toBeLessThan(MAX_FRAME_BYTES);
    expectError(parseClientMessage(frame("chat-message", { ...clientSamples["chat-message"], text })), "too-large");
  });

  it("accepts the limits themselves and rejects one past them", () => {
    const chat = (text: string) =>
      parseClientMessage(frame("chat-message", { ...clientSamples["chat-message"], text }));
    expect(chat("x".repeat(CHAT_TEXT_MAX_LENGTH)).ok).toBe(true);
    expectError(chat("x".repeat(CHAT_TEXT_MAX_LENGTH + 1)), "too-large");
    const join = (username: string) => parseClientMessage(frame("join-room", { roomId: "r", username }));
    expect(join("u".repeat(USERNAME_MAX_LENGTH)).ok).toBe(true);
    expectError(join("u".repeat(USERNAME_MAX_LENGTH + 1)), "too-large");
  });
});

describe("field rules", () => {
  const join = (data: Record<string, unknown>) => parseClientMessage(frame("join-room", data));

  it.each(["Анна", "bob_1", "Dr. Who", "x-y", "李雷"])("accepts the username %j", (username) => {
    expect(join({ roomId: "r", username }).ok).toBe(true);
  });

  it.each(["", " bob", "bob ", "<script>", "a/b", "tab\there", "emoji🙂"])("rejects the username %j", (username) => {
    expect(join({ roomId: "r", username }).ok).toBe(false);
  });

  it.each(["", "a b", "../x", "room?x=1", "r".repeat(65)])("rejects the roomId %j", (roomId) => {
    expect(join({ roomId, username: "bob" }).ok).toBe(false);
  });

  it("rejects a chat timestamp that is not ISO 8601", () => {
    const data = { ...clientSamples["chat-message"], timestamp: "yesterday" };
    expectError(parseClientMessage(frame("chat-message", data)), "invalid-message");
  });

  it("rejects mediasoup parameters of the wrong shape", () => {
    const produce = clientSamples.produce;
    const noCodecs = { ...produce, rtpParameters: { codecs: [] } };
    expectError(parseClientMessage(frame("produce", noCodecs)), "invalid-message");
    const badMime = { ...produce, rtpParameters: { codecs: [{ mimeType: "VP8", payloadType: 96, clockRate: 90000 }] } };
    expectError(parseClientMessage(frame("produce", badMime)), "invalid-message");
    const badPt = {
      ...produce,
      rtpParameters: { codecs: [{ mimeType: "video/VP8", payloadType: 300, clockRate: 90000 }] },
    };
    expectError(parseClientMessage(frame("produce", badPt)), "invalid-message");
    const badFingerprint = {
      transportId: "t",
      dtlsParameters: { fingerprints: [{ algorithm: "sha-256", value: "zz" }] },
    };
    expectError(parseClientMessage(frame("connect-transport", badFingerprint)), "invalid-message");
    const badKind = { ...produce, kind: "data" };
    expectError(parseClientMessage(frame("produce", badKind)), "invalid-message");
    const bigAppData = { ...produce, appData: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])) };
    expectError(parseClientMessage(frame("produce", bigAppData)), "invalid-message");
  });

  it("drops unknown fields of mediasoup objects (they never reach the media node)", () => {
    const produce = clientSamples.produce as { rtpParameters: object };
    const data = { ...clientSamples.produce, rtpParameters: { ...produce.rtpParameters, futureField: 1 } };
    const result = parseClientMessage(frame("produce", data));
    expect(result.ok).toBe(true);
    if (result.ok && result.message.type === "produce") {
      expect(result.message.data.rtpParameters).not.toHaveProperty("futureField");
    }
  });
});
