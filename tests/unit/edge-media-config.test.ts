import type { MediaNodeStatus } from "@huddle/protocol";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  DEFAULT_MEDIA_CHECK_INTERVAL_MS,
  DEFAULT_MEDIA_NODE_CALLS_IN_FLIGHT,
  DEFAULT_MEDIA_NODE_HOLD_MS,
  DEFAULT_MEDIA_NODE_TIMEOUT_MS,
  DEFAULT_MEDIA_NODE_TTL_MS,
  normalizeNodeUrl,
  readConfig,
} from "../../edge/src/config.ts";
import { pickNode, pressure } from "../../edge/src/media/placement.ts";

const SECRET = "0123456789abcdef0123";

describe("edge media configuration", () => {
  it("without MEDIA_NODE_SECRET the SFU is off, whatever else is set", () => {
    expect(readConfig({ MEDIA_NODES: "http://10.0.0.1:4000" }).media).toBeUndefined();
    expect(readConfig({ MEDIA_NODE_SECRET: "" }).media).toBeUndefined();
  });

  it("with a secret: defaults, and MEDIA_NODES parsed, normalized and de-duplicated", () => {
    const media = readConfig({
      MEDIA_NODE_SECRET: SECRET,
      MEDIA_NODES: " http://10.0.0.1:4000/ , https://media.example.com,http://10.0.0.1:4000",
    }).media;
    expect(media).toEqual({
      secret: SECRET,
      staticNodes: ["http://10.0.0.1:4000", "https://media.example.com"],
      nodeTtlMs: DEFAULT_MEDIA_NODE_TTL_MS,
      checkIntervalMs: DEFAULT_MEDIA_CHECK_INTERVAL_MS,
      timeoutMs: DEFAULT_MEDIA_NODE_TIMEOUT_MS,
      callsInFlight: DEFAULT_MEDIA_NODE_CALLS_IN_FLIGHT,
      holdMs: DEFAULT_MEDIA_NODE_HOLD_MS,
    });
  });

  it("reads the timing settings", () => {
    const media = readConfig({
      MEDIA_NODE_SECRET: SECRET,
      MEDIA_NODE_TTL_MS: "4000",
      MEDIA_CHECK_INTERVAL_MS: "500",
      MEDIA_NODE_TIMEOUT_MS: "1500",
      MEDIA_NODE_CALLS_IN_FLIGHT: "0",
      MEDIA_NODE_HOLD_MS: "0",
    }).media;
    expect(media).toMatchObject({
      nodeTtlMs: 4000,
      checkIntervalMs: 500,
      timeoutMs: 1500,
      callsInFlight: 0,
      holdMs: 0,
      staticNodes: [],
    });
  });

  it.each([
    ["a short secret", { MEDIA_NODE_SECRET: "short" }, "MEDIA_NODE_SECRET"],
    ["a node that is not http(s)", { MEDIA_NODE_SECRET: SECRET, MEDIA_NODES: "ftp://x" }, "MEDIA_NODES"],
    ["a node URL with a query", { MEDIA_NODE_SECRET: SECRET, MEDIA_NODES: "http://x/?a=1" }, "MEDIA_NODES"],
    ["a TTL below one second", { MEDIA_NODE_SECRET: SECRET, MEDIA_NODE_TTL_MS: "10" }, "MEDIA_NODE_TTL_MS"],
    ["a check interval that is not a number", { MEDIA_CHECK_INTERVAL_MS: "soon" }, "MEDIA_CHECK_INTERVAL_MS"],
  ])("refuses %s, naming the variable", (_why, vars, name) => {
    expect(() => readConfig(vars)).toThrow(ConfigError);
    expect(() => readConfig({ ...vars })).toThrow(name);
  });

  it("normalizes node URLs the same way for the static list and announcements", () => {
    expect(normalizeNodeUrl("http://127.0.0.1:4000/")).toBe("http://127.0.0.1:4000");
    expect(normalizeNodeUrl("https://media.example.com/base/")).toBe("https://media.example.com/base");
    expect(normalizeNodeUrl("http://user:pw@host")).toBeUndefined();
    expect(normalizeNodeUrl("not a url")).toBeUndefined();
  });
});

function node(url: string, patch: Partial<MediaNodeStatus> = {}): MediaNodeStatus {
  return {
    url,
    source: "announced",
    eligible: true,
    draining: false,
    lastSeenAgoMs: 100,
    failedUntil: 0,
    workers: 2,
    load: { rooms: 0, transports: 0, producers: 0, consumers: 0, cpuPercent: 0 },
    pending: 0,
    ...patch,
  };
}

const load = (rooms: number, cpuPercent = 0) => ({ rooms, transports: 0, producers: 0, consumers: 0, cpuPercent });

describe("placement", () => {
  it("pressure is rooms (placed ones included) per worker plus CPU as a fraction", () => {
    expect(pressure(node("a", { workers: 4, load: load(6, 50), pending: 2 }))).toBe(2.5);
    // A node that reported no workers counts as one.
    expect(pressure(node("a", { workers: 0, load: load(3) }))).toBe(3);
  });

  it("picks the node with the most headroom", () => {
    const nodes = [node("http://a", { load: load(4) }), node("http://b", { load: load(1) })];
    expect(pickNode(nodes)).toBe("http://b");
  });

  it("counts rooms placed since the last announcement", () => {
    const nodes = [node("http://a", { load: load(1) }), node("http://b", { load: load(0), pending: 3 })];
    expect(pickNode(nodes)).toBe("http://a");
  });

  it("weighs workers: 4 rooms on 4 workers beat 2 rooms on 1", () => {
    const nodes = [node("http://a", { workers: 1, load: load(2) }), node("http://b", { workers: 4, load: load(4) })];
    expect(pickNode(nodes)).toBe("http://b");
  });

  it("skips ineligible (draining, expired, failed) and excluded nodes; none left is undefined", () => {
    const nodes = [
      node("http://busy", { load: load(9) }),
      node("http://draining", { eligible: false, draining: true }),
      node("http://idle"),
    ];
    expect(pickNode(nodes)).toBe("http://idle");
    expect(pickNode(nodes, ["http://idle"])).toBe("http://busy");
    expect(pickNode(nodes, ["http://idle", "http://busy"])).toBeUndefined();
    expect(pickNode([])).toBeUndefined();
  });

  it("breaks ties by URL so placement is deterministic", () => {
    expect(pickNode([node("http://b"), node("http://a")])).toBe("http://a");
  });
});
