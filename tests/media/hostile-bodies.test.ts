// Hostile request bodies against a real media node (real mediasoup worker), on every route that takes
// a body: deep nesting, huge strings and arrays, wrong types in every field, prototype keys, numbers out
// of range, non-JSON. Whatever a client (or a compromised edge) sends, the node answers a typed 4xx,
// keeps serving, and leaks no mediasoup object. A fixed corpus first, then fast-check
// (HUDDLE_FUZZ_RUNS runs, default 150; HUDDLE_FUZZ_SEED and HUDDLE_FUZZ_PATH replay a failure).
import {
  type ConsumeResponse,
  type CreatePlainTransportResponse,
  type CreateTransportResponse,
  type EnsureRoomResponse,
  MEDIA_API_MAX_BODY_BYTES,
  MediaErrorBody,
  type MediaErrorCode,
  type ProduceResponse,
  mediaPaths as p,
  type RoomState,
  type RtpCapabilities,
} from "@huddle/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MediaNode } from "../../media-node/src/node.ts";
import { type Path, pathsOf } from "../support/json-paths.ts";
import { fuzzParameters } from "../unit/fuzz-runs.ts";
import {
  type ApiAnswer,
  type ApiClient,
  apiClient,
  CLIENT_DTLS_PARAMETERS,
  countObjects,
  opusRtpParameters,
  startTestNode,
} from "./helpers.ts";

const ROOM = "hostile";
/** HUDDLE_FUZZ_RUNS (default 150), HUDDLE_FUZZ_SEED and HUDDLE_FUZZ_PATH replay a failure fast-check printed. */
const FUZZ = fuzzParameters<unknown>(150);

/** Which status each error code may come with. */
const STATUS_OF: Record<MediaErrorCode, number> = {
  unauthorized: 401,
  "invalid-body": 400,
  "invalid-param": 400,
  "not-found": 404,
  "method-not-allowed": 405,
  "room-lost": 410,
  "wrong-direction": 409,
  "cannot-consume": 409,
  "invalid-state": 409,
  rejected: 400,
  "too-large": 413,
  forbidden: 403,
  expired: 410,
  "range-not-satisfiable": 416,
  "plain-disabled": 403,
  unavailable: 503,
  internal: 500,
};

// ---- bodies as JSON text with placeholders ---------------------------------

/** Placeholders a body may hold, replaced in its JSON text (JSON.stringify cannot write them itself). */
const deep = (depth: number) => `@DEEP:${depth}@`;
const INFINITE = "@INF@";
/** A key spelled `name` in the JSON text (so `__proto__` is a plain own key, as JSON.parse on the node makes it). */
const key = (name: string) => `@KEY:${name}@`;

function render(body: unknown): string {
  return JSON.stringify(body)
    .replace(/"@DEEP:(\d+)@"/g, (_, depth: string) => `${"[".repeat(Number(depth))}${"]".repeat(Number(depth))}`)
    .replaceAll(`"${INFINITE}"`, "1e999")
    .replace(/"@KEY:([^@"]+)@"/g, (_, name: string) => `"${name}"`);
}

function valueAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, step) => (node as Record<string | number, unknown>)[step], root);
}

/** A copy of `root` with the value at `path` replaced. */
function replaced(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root);
  const parent = valueAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path[path.length - 1] as string | number] = value;
  return copy;
}

/** A copy of `root` with an extra key in the object at `path`. */
function withKey(root: unknown, path: Path, name: string, value: unknown): unknown {
  const copy = structuredClone(root);
  (valueAt(copy, path) as Record<string, unknown>)[key(name)] = value;
  return copy;
}

const isObject = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);

// ---- the routes and a valid body for each ----------------------------------

let node: MediaNode;
let api: ApiClient;
let caps: RtpCapabilities;
let sendPlain: CreatePlainTransportResponse;
let sendRtc: CreateTransportResponse;
let recvPlain: CreatePlainTransportResponse;
let sourceProducer: ProduceResponse;
let fuzzProducer: ProduceResponse;
let fuzzConsumer: ConsumeResponse;
let baseline: ReturnType<typeof countObjects>;

const UNKNOWN_ID = "00000000-0000-0000-0000-000000000000";

/** VP8 with three simulcast layers, RTX, header extensions, mid and msid, as mediasoup-client sends it. */
function simulcastVideo() {
  return {
    kind: "video",
    rtpParameters: {
      mid: "1",
      codecs: [
        {
          mimeType: "video/VP8",
          payloadType: 96,
          clockRate: 90000,
          parameters: { "x-google-start-bitrate": 1000 },
          rtcpFeedback: [{ type: "nack", parameter: "" }, { type: "nack", parameter: "pli" }, { type: "transport-cc" }],
        },
        { mimeType: "video/rtx", payloadType: 97, clockRate: 90000, parameters: { apt: 96 }, rtcpFeedback: [] },
      ],
      headerExtensions: [
        { uri: "urn:ietf:params:rtp-hdrext:sdes:mid", id: 1, encrypt: false, parameters: {} },
        { uri: "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", id: 3, encrypt: false, parameters: {} },
      ],
      encodings: [
        { active: true, ssrc: 7001, rtx: { ssrc: 7101 }, scaleResolutionDownBy: 4, maxBitrate: 100000, dtx: false },
        { active: true, ssrc: 7002, rtx: { ssrc: 7102 }, scaleResolutionDownBy: 2, maxBitrate: 300000 },
        { active: true, ssrc: 7003, rtx: { ssrc: 7103 }, maxBitrate: 900000, scalabilityMode: "L1T3" },
      ],
      rtcp: { cname: "hostile-cname", reducedSize: true, mux: true },
      msid: "stream-1 track-1",
    },
    appData: { source: "camera" },
    paused: false,
  };
}

/** The router's capabilities cut to a few codecs and extensions (every path is tried: keep the count sane). */
function someCapabilities(): RtpCapabilities {
  const codecs = caps.codecs ?? [];
  const vp8 = codecs.find((c) => c.mimeType === "video/VP8");
  const rtx = codecs.find((c) => c.mimeType === "video/rtx" && c.parameters?.apt === vp8?.preferredPayloadType);
  const opus = codecs.find((c) => c.mimeType === "audio/opus");
  return {
    codecs: [opus, vp8, rtx].filter((c) => c !== undefined),
    headerExtensions: (caps.headerExtensions ?? []).slice(0, 3),
  };
}

type Route = { method: string; path: () => string; valid: () => unknown };

/** Every route that reads a body, each aimed at objects that exist (so the body is what decides). */
const ROUTES: Record<string, Route> = {
  "PUT room": { method: "PUT", path: () => p.room(ROOM), valid: () => ({}) },
  "DELETE room": { method: "DELETE", path: () => p.room("hostile-nowhere"), valid: () => ({}) },
  "DELETE peer": { method: "DELETE", path: () => p.peer(ROOM, "fz-nobody"), valid: () => ({}) },
  "POST transports": {
    method: "POST",
    path: () => p.transports(ROOM, "fz-new"),
    valid: () => ({ direction: "send", sctp: true }),
  },
  "POST plain-transports": {
    method: "POST",
    path: () => p.plainTransports(ROOM, "fz-new"),
    valid: () => ({ direction: "recv", comedia: true, rtcpMux: false }),
  },
  "POST connect (webrtc)": {
    method: "POST",
    path: () => p.connect(ROOM, "fz-send", sendRtc.id),
    valid: () => ({ dtlsParameters: CLIENT_DTLS_PARAMETERS }),
  },
  "POST connect (plain)": {
    method: "POST",
    path: () => p.connect(ROOM, "fz-send", sendPlain.id),
    valid: () => ({ ip: "127.0.0.1", port: 9, rtcpPort: 9 }),
  },
  "POST produce": { method: "POST", path: () => p.produce(ROOM, "fz-send", sendPlain.id), valid: simulcastVideo },
  "POST consume": {
    method: "POST",
    path: () => p.consume(ROOM, "fz-recv", recvPlain.id),
    valid: () => ({ producerId: sourceProducer.id, rtpCapabilities: someCapabilities() }),
  },
  "POST consume-many": {
    method: "POST",
    path: () => p.consumeMany(ROOM, "fz-recv", recvPlain.id),
    valid: () => ({ producerIds: [sourceProducer.id, UNKNOWN_ID], rtpCapabilities: someCapabilities() }),
  },
  "POST consumers resume": {
    method: "POST",
    path: () => p.consumersResume(ROOM, "fz-recv"),
    valid: () => ({ consumerIds: [fuzzConsumer.id, UNKNOWN_ID] }),
  },
  "POST consumers layers": {
    method: "POST",
    path: () => p.consumersLayers(ROOM, "fz-recv"),
    valid: () => ({
      consumers: [
        { consumerId: fuzzConsumer.id, spatialLayer: 1, temporalLayer: 0, priority: 3 },
        { consumerId: UNKNOWN_ID, spatialLayer: 0 },
      ],
    }),
  },
  "POST consumer resume": {
    method: "POST",
    path: () => p.consumerResume(ROOM, "fz-recv", fuzzConsumer.id),
    valid: () => ({}),
  },
  "POST consumer pause": {
    method: "POST",
    path: () => p.consumerPause(ROOM, "fz-recv", fuzzConsumer.id),
    valid: () => ({}),
  },
  "POST producer pause": {
    method: "POST",
    path: () => p.producerPause(ROOM, "fz-send", fuzzProducer.id),
    valid: () => ({}),
  },
  "POST producer resume": {
    method: "POST",
    path: () => p.producerResume(ROOM, "fz-send", fuzzProducer.id),
    valid: () => ({}),
  },
  "DELETE transport": { method: "DELETE", path: () => p.transport(ROOM, "fz-send", UNKNOWN_ID), valid: () => ({}) },
  "DELETE producer": { method: "DELETE", path: () => p.producer(ROOM, "fz-send", UNKNOWN_ID), valid: () => ({}) },
  "POST drain": { method: "POST", path: () => p.drain, valid: () => ({}) },
};
const ROUTE_NAMES = Object.keys(ROUTES);

// ---- sending and judging ---------------------------------------------------

let sent = 0;

async function send(name: string, text: string): Promise<ApiAnswer> {
  const route = ROUTES[name] as Route;
  sent++;
  const res = await api.callText(route.method, route.path(), text).catch((error: unknown) => {
    throw new Error(`${name}: the request failed (${String(error)}) for ${text.slice(0, 200)}`);
  });
  return res;
}

/** Never a 500; a 4xx has a typed body whose code goes with its status; a 2xx echoes nothing big. */
function judge(name: string, text: string, answer: ApiAnswer): void {
  const what = `${name} <- ${text.slice(0, 160)}${text.length > 160 ? `... (${text.length} chars)` : ""}`;
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)?.slice(0, 300)}`).toBeLessThan(500);
  if (answer.status >= 400) {
    const parsed = MediaErrorBody.safeParse(answer.body);
    expect(parsed.success, `${what}: untyped error body ${JSON.stringify(answer.body)?.slice(0, 300)}`).toBe(true);
    if (parsed.success) expect(STATUS_OF[parsed.data.error.code], what).toBe(answer.status);
  } else {
    expect(JSON.stringify(answer.body ?? null).length, what).toBeLessThan(16_000);
  }
}

async function check(name: string, body: unknown): Promise<void> {
  const text = typeof body === "string" ? body : render(body);
  judge(name, text, await send(name, text));
}

// ---- setup -----------------------------------------------------------------

beforeAll(async () => {
  node = await startTestNode();
  api = apiClient(node.url);
  caps = (await api.put<EnsureRoomResponse>(p.room(ROOM))).rtpCapabilities;
  baseline = countObjects(await api.dump());
  const sourceSend = await api.post<CreatePlainTransportResponse>(p.plainTransports(ROOM, "src"), {
    direction: "send",
  });
  sourceProducer = await api.post(p.produce(ROOM, "src", sourceSend.id), {
    kind: "audio",
    rtpParameters: opusRtpParameters(1000),
  });
  sendPlain = await api.post(p.plainTransports(ROOM, "fz-send"), { direction: "send" });
  sendRtc = await api.post(p.transports(ROOM, "fz-send"), { direction: "send" });
  fuzzProducer = await api.post(p.produce(ROOM, "fz-send", sendPlain.id), {
    kind: "audio",
    rtpParameters: opusRtpParameters(2000),
  });
  recvPlain = await api.post(p.plainTransports(ROOM, "fz-recv"), { direction: "recv" });
  fuzzConsumer = await api.post(p.consume(ROOM, "fz-recv", recvPlain.id), {
    producerId: sourceProducer.id,
    rtpCapabilities: caps,
  });
});
afterAll(async () => {
  await node?.close();
});

// ---- the fixed corpus ------------------------------------------------------

const HALF_LIMIT = Math.floor(MEDIA_API_MAX_BODY_BYTES / 2);

/** Bodies that are not JSON, not objects, or huge. */
const RAW_TEXTS: Record<string, string> = {
  empty: "",
  null: "null",
  number: "0",
  string: '"x"',
  array: "[]",
  truncated: '{"direction":',
  nul: "\u0000",
  emoji: "💥",
  "unclosed braces": "{".repeat(10_000),
  "60,000-deep array": `${"[".repeat(60_000)}${"]".repeat(60_000)}`,
  "10,000-deep object": `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`,
  "huge string": `{"x":"${"a".repeat(MEDIA_API_MAX_BODY_BYTES - 20)}"}`,
  "huge array": `{"x":[${Array.from({ length: HALF_LIMIT / 2 }, () => "0").join(",")}]}`,
  "proto pollution": '{"__proto__":{"polluted":true,"direction":"send"}}',
  "constructor pollution": '{"constructor":{"prototype":{"polluted":true}}}',
  "lone surrogate": '{"direction":"\\ud800"}',
  "duplicate keys": '{"direction":"send","direction":{"a":1}}',
  infinity: '{"port":1e999,"ip":"127.0.0.1"}',
};

/** Values of every JSON type and the edges of each. */
const WRONG_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53,
  -(2 ** 31),
  INFINITE,
  "",
  "x",
  "x".repeat(HALF_LIMIT),
  [],
  [null],
  {},
  { a: 1 },
  deep(64),
];

describe("the fixed corpus", () => {
  it("answers bodies that are not JSON objects, or huge, with a typed 4xx on every route", {
    timeout: 120_000,
  }, async () => {
    for (const name of ROUTE_NAMES) {
      for (const text of Object.values(RAW_TEXTS)) await check(name, text);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("answers 10,000- and 2,000-deep nesting under unknown keys of every parameter object", {
    timeout: 120_000,
  }, async () => {
    for (const name of ROUTE_NAMES) {
      const valid = ROUTES[name]?.valid();
      const objects = pathsOf(valid).filter((path) => isObject(valueAt(valid, path)));
      for (const path of objects) {
        for (const depth of [10_000, 2_000]) {
          for (const extra of ["evil", "__proto__", "constructor"]) {
            await check(name, withKey(valid, path, extra, deep(depth)));
          }
        }
      }
    }
  });

  it("answers wrong types, huge strings and huge arrays in every field of every body", {
    timeout: 180_000,
  }, async () => {
    for (const name of ROUTE_NAMES) {
      const valid = ROUTES[name]?.valid();
      for (const path of pathsOf(valid)) {
        for (const value of WRONG_VALUES) await check(name, replaced(valid, path, value));
        const current = valueAt(valid, path);
        if (Array.isArray(current) && current.length > 0) {
          const many = Math.ceil(MEDIA_API_MAX_BODY_BYTES / 2 / Math.max(1, render(current[0]).length));
          await check(
            name,
            replaced(
              valid,
              path,
              Array.from({ length: many }, () => current[0]),
            ),
          );
        }
      }
    }
  });
});

describe("mediasoup's rejections of bodies the schemas allow", () => {
  const produce = (rtpParameters: unknown, kind = "video") => ({ kind, rtpParameters });
  const opus = { mimeType: "audio/opus", payloadType: 100, clockRate: 48000, channels: 2 };
  // [route, what, body, "rejected" when mediasoup (or the node for it) must refuse it, else "either"]
  const CASES: [string, string, unknown, "rejected" | "either"][] = [
    [
      "POST produce",
      "only an RTX codec",
      produce({
        codecs: [{ mimeType: "video/rtx", payloadType: 97, clockRate: 90000, parameters: { apt: 96 } }],
        encodings: [{ ssrc: 1 }],
      }),
      "rejected",
    ],
    [
      "POST produce",
      "a codec the router lacks",
      produce({ codecs: [{ mimeType: "video/AV1", payloadType: 45, clockRate: 90000 }], encodings: [{ ssrc: 2 }] }),
      "rejected",
    ],
    [
      "POST produce",
      "kind and codec disagree",
      produce({ codecs: [opus], encodings: [{ ssrc: 3 }] }, "video"),
      "rejected",
    ],
    [
      "POST produce",
      "codecPayloadType of no codec",
      produce({ codecs: [opus], encodings: [{ ssrc: 4, codecPayloadType: 55 }] }, "audio"),
      "rejected",
    ],
    [
      "POST produce",
      "the SSRC of an existing producer",
      produce({ codecs: [opus], encodings: [{ ssrc: 2000 }] }, "audio"),
      "rejected",
    ],
    ["POST produce", "no encodings", produce({ codecs: [opus], encodings: [] }, "audio"), "rejected"],
    [
      "POST produce",
      "an RTX codec without apt",
      produce({
        codecs: [
          { mimeType: "video/VP8", payloadType: 96, clockRate: 90000 },
          { mimeType: "video/rtx", payloadType: 97, clockRate: 90000 },
        ],
        encodings: [{ ssrc: 5 }],
      }),
      "rejected",
    ],
    [
      "POST produce",
      "two codecs on one payload type",
      produce({ codecs: [opus, { ...opus }], encodings: [{ ssrc: 6 }] }, "audio"),
      "rejected",
    ],
    [
      "POST produce",
      "a header extension id twice",
      produce(
        {
          codecs: [opus],
          headerExtensions: [
            { uri: "urn:ietf:params:rtp-hdrext:sdes:mid", id: 1 },
            { uri: "urn:ietf:params:rtp-hdrext:ssrc-audio-level", id: 1 },
          ],
          encodings: [{ ssrc: 7 }],
        },
        "audio",
      ),
      "either",
    ],
    [
      "POST consume",
      "codecs without preferredPayloadType",
      {
        producerId: "@SOURCE@",
        rtpCapabilities: { codecs: [{ kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2 }] },
      },
      "either",
    ],
    [
      "POST consume",
      "kind and mimeType disagree",
      {
        producerId: "@SOURCE@",
        rtpCapabilities: {
          codecs: [{ kind: "video", mimeType: "audio/opus", preferredPayloadType: 100, clockRate: 48000, channels: 2 }],
        },
      },
      "either",
    ],
    [
      "POST consume",
      "an RTX capability without apt",
      {
        producerId: "@SOURCE@",
        rtpCapabilities: {
          codecs: [
            { kind: "audio", mimeType: "audio/opus", preferredPayloadType: 100, clockRate: 48000, channels: 2 },
            { kind: "video", mimeType: "video/rtx", preferredPayloadType: 101, clockRate: 90000 },
          ],
        },
      },
      "either",
    ],
    ["POST connect (plain)", "an IPv6 peer for an IPv4 transport", { ip: "::1", port: 9 }, "either"],
  ];

  it.each(CASES)("%s with %s: 400 rejected (or accepted), never 500", async (name, _what, body, expected) => {
    const text = render(body).replaceAll('"@SOURCE@"', JSON.stringify(sourceProducer.id));
    const answer = await send(name, text);
    judge(name, text, answer);
    if (expected === "rejected") {
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(MediaErrorBody.parse(answer.body).error.code).toBe("rejected");
    }
  });
});

// ---- generated bodies ------------------------------------------------------

/** Anything JSON can carry, plus the placeholders (deep nesting, 1e999) and a few edge strings. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(INFINITE, deep(3_000), deep(12_000), "__proto__", "", "x".repeat(5_000), -0, 2 ** 32, -(2 ** 53)),
  fc.string({ unit: "binary", maxLength: 40 }),
);

describe("generated bodies (fast-check)", () => {
  it(`never get a 500 in ${FUZZ.numRuns} runs: a field replaced by anything, or an unknown key added`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTE_NAMES),
        fc.nat(),
        fc.oneof(fc.constant("replace" as const), fc.constant("add-key" as const)),
        fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor", "prototype")),
        anyJson,
        async (name, pick, how, extraKey, value) => {
          const valid = ROUTES[name]?.valid();
          const paths =
            how === "replace" ? pathsOf(valid) : pathsOf(valid).filter((path) => isObject(valueAt(valid, path)));
          const path = paths[pick % paths.length] as Path;
          const body = how === "replace" ? replaced(valid, path, value) : withKey(valid, path, extraKey, value);
          await check(name, body);
        },
      ),
      FUZZ,
    );
  }, 120_000);
});

// ---- afterwards ------------------------------------------------------------

describe("after the corpus", () => {
  it("still serves, polluted no prototype, and tracks exactly what the workers hold", async () => {
    expect(sent).toBeGreaterThan(1000);
    const health = await fetch(new URL(p.health, node.url));
    expect(health.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");

    const state = await api.get<RoomState>(p.room(ROOM));
    const inDump = countObjects(await api.dump());
    const tracked = {
      transports: state.peers.reduce((n, peer) => n + peer.transports.length, 0),
      producers: state.producers.length,
      consumers: state.peers.reduce((n, peer) => n + peer.consumers.length, 0),
    };
    expect({ transports: inDump.transports, producers: inDump.producers, consumers: inDump.consumers }).toEqual(
      tracked,
    );
    // What the setup made is still there.
    expect(state.producers.map((x) => x.producerId)).toEqual(expect.arrayContaining([sourceProducer.id]));
    expect(state.peers.find((x) => x.peerId === "fz-recv")?.consumers.map((c) => c.id)).toContain(fuzzConsumer.id);
  });

  it("leaks no mediasoup object: closing every peer brings the workers' dumps back to the start", async () => {
    const state = await api.get<RoomState>(p.room(ROOM));
    for (const peer of state.peers) await api.del(p.peer(ROOM, peer.peerId));
    expect(countObjects(await api.dump())).toEqual(baseline);
    const load = await api.load();
    expect(load.totals).toEqual({ rooms: 1, transports: 0, producers: 0, consumers: 0 });
  });
});
