import { describe, expect, it } from "vitest";
import { normaliseEdgeUrl, roomSocketUrl } from "../../../web/src/config.ts";
import { backoffDelay } from "../../../web/src/signaling/backoff.ts";
import { isTransient, SignalingError, toSignalingError } from "../../../web/src/signaling/errors.ts";
import { joinErrorText } from "../../../web/src/signaling/joinErrorText.ts";

describe("backoffDelay (equal jitter)", () => {
  const options = (random: number) => ({ baseMs: 500, maxMs: 15_000, random: () => random });

  it("waits half the exponential step plus a random half of it", () => {
    expect(backoffDelay(0, options(0))).toBe(250);
    expect(backoffDelay(0, options(0.5))).toBe(375);
    expect(backoffDelay(3, options(0))).toBe(2000);
    expect(backoffDelay(3, options(0.999_999))).toBe(4000);
  });

  it("never exceeds the ceiling, however many attempts", () => {
    expect(backoffDelay(5, options(0.999_999))).toBe(15_000);
    expect(backoffDelay(50, options(0))).toBe(7500);
    expect(backoffDelay(50, options(0.999_999))).toBe(15_000);
  });

  it("treats a negative attempt as the first", () => {
    expect(backoffDelay(-3, options(0))).toBe(250);
  });
});

describe("normaliseEdgeUrl", () => {
  const page = "https://app.example/rooms/index.html";

  it("keeps http(s) and turns ws(s) into http(s), without a trailing slash, query or hash", () => {
    expect(normaliseEdgeUrl("https://edge.example/", page)).toBe("https://edge.example");
    expect(normaliseEdgeUrl("  wss://edge.example/prefix//?x=1#y ", page)).toBe("https://edge.example/prefix");
    expect(normaliseEdgeUrl("ws://127.0.0.1:8787", page)).toBe("http://127.0.0.1:8787");
    expect(normaliseEdgeUrl("http://edge.example:8080/a/b/", page)).toBe("http://edge.example:8080/a/b");
  });

  it("resolves a relative URL against the page", () => {
    expect(normaliseEdgeUrl("/edge/", page)).toBe("https://app.example/edge");
    expect(normaliseEdgeUrl("edge", page)).toBe("https://app.example/rooms/edge");
  });

  it("refuses what is not an http(s) or ws(s) URL", () => {
    expect(normaliseEdgeUrl("ftp://edge.example", page)).toBeNull();
    expect(normaliseEdgeUrl("javascript:alert(1)", page)).toBeNull();
    expect(normaliseEdgeUrl("http://[not-an-address", page)).toBeNull();
  });
});

describe("roomSocketUrl", () => {
  it("is the room's socket path on the edge, over wss for https and ws for http", () => {
    expect(roomSocketUrl("https://edge.example", "team-1")).toBe("wss://edge.example/rooms/team-1/ws");
    expect(roomSocketUrl("http://127.0.0.1:8787/prefix", "a_b")).toBe("ws://127.0.0.1:8787/prefix/rooms/a_b/ws");
  });
});

describe("transient failures (worth another rejoin)", () => {
  it("the network, a slow or busy edge are transient; a refusal of the room or name is final", () => {
    for (const code of ["connection-failed", "timeout", "closed", "rate-limited", "internal"] as const) {
      expect(isTransient(new SignalingError(code, code)), code).toBe(true);
    }
    for (const code of ["room-full", "unauthorized", "invalid-message", "room-mismatch", "username-taken"] as const) {
      expect(isTransient(new SignalingError(code, code)), code).toBe(false);
    }
  });

  it("anything thrown that is not a SignalingError counts as a failed connection", () => {
    expect(toSignalingError(new TypeError("boom"))).toMatchObject({ code: "connection-failed", message: "boom" });
    const original = new SignalingError("room-full", "full");
    expect(toSignalingError(original)).toBe(original);
  });
});

describe("joinErrorText", () => {
  const text = (error: unknown) => joinErrorText(error, "team-1", "Sam", "https://edge.example");

  it("says what to do for each way a join fails", () => {
    expect(text(new SignalingError("username-taken", "x"))).toBe(
      "Someone in “team-1” is already called “Sam”. Choose another name.",
    );
    expect(text(new SignalingError("room-full", "x"))).toMatch(/“team-1” is full/);
    expect(text(new SignalingError("unauthorized", "x"))).toBe("You are not allowed to join this room.");
    expect(text(new SignalingError("rate-limited", "x"))).toMatch(/Too many attempts/);
    expect(text(new SignalingError("room-mismatch", "bad room"))).toBe(
      "The server did not accept this room or name: bad room",
    );
    for (const code of ["connection-failed", "timeout"] as const) {
      expect(text(new SignalingError(code, "x"))).toBe(
        "Could not reach the server (https://edge.example). Check your connection and try again.",
      );
    }
    expect(text(new SignalingError("internal", "it broke"))).toBe("Could not join: it broke");
    expect(text(new Error("not ours"))).toBe("Something went wrong while joining. Please try again.");
  });
});
