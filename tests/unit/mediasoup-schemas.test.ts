// The mediasoup parameter schemas keep only the fields mediasoup and mediasoup-client know,
// bound everything free-form, and still accept what mediasoup-client really sends.
import {
  AppData,
  DtlsParameters,
  MAX_FRAME_BYTES,
  MAX_JSON_DEPTH,
  type Parsed,
  parseClientMessage,
  RtpCapabilities,
  RtpParameters,
} from "@huddle/protocol";
import { FakeMediaStreamTrack } from "fake-mediastreamtrack";
import fc from "fast-check";
import { Device, type types } from "mediasoup-client";
import * as fakeParameters from "mediasoup-client/fakeParameters";
import { FakeHandler } from "mediasoup-client/handlers/FakeHandler";
import { beforeAll, describe, expect, it } from "vitest";
import { fuzzParameters } from "./fuzz-runs.ts";
import { clientSamples, dtlsParameters, rtpCapabilities, rtpParameters } from "./samples.ts";

/** An array nested `depth` deep, as JSON text (built as text: no recursion in the test either). */
const deepJson = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

/** `JSON.stringify(value)` with the string "@DEEP@" replaced by an array nested `depth` deep. */
const withDeep = (value: unknown, depth: number) => JSON.stringify(value).replace('"@DEEP@"', deepJson(depth));

const frame = (type: string, data: string) => `{"type":"${type}","requestId":"r1","data":${data}}`;

function expectRefused(result: Parsed<unknown>, codes: string[]) {
  expect(result.ok, JSON.stringify(result).slice(0, 300)).toBe(false);
  if (!result.ok) expect(codes).toContain(result.error.data.code);
}

/** What mediasoup-client 3.x sends for a simulcast camera, a microphone and a receiving device, via its own handler. */
type ClientPayloads = {
  video: { kind: types.MediaKind; rtpParameters: types.RtpParameters; appData: types.AppData };
  audio: { kind: types.MediaKind; rtpParameters: types.RtpParameters; appData: types.AppData };
  dtlsParameters: types.DtlsParameters;
  rtpCapabilities: types.RtpCapabilities;
};

async function mediasoupClientPayloads(): Promise<ClientPayloads> {
  const device = new Device({ handlerFactory: FakeHandler.createFactory(fakeParameters) });
  await device.load({ routerRtpCapabilities: fakeParameters.generateRouterRtpCapabilities() });
  const transport = device.createSendTransport(fakeParameters.generateTransportRemoteParameters());
  const produced: ClientPayloads["video"][] = [];
  let dtls: types.DtlsParameters | undefined;
  transport.on("connect", ({ dtlsParameters }, done) => {
    dtls = dtlsParameters;
    done();
  });
  transport.on("produce", (parameters, done) => {
    produced.push(parameters);
    done({ id: crypto.randomUUID() });
  });
  // The type of `produce`'s track (a DOM MediaStreamTrack, not in this project's Node types).
  type Track = Parameters<typeof transport.produce>[0] extends { track?: infer T } ? T : never;
  const track = (kind: "audio" | "video") => new FakeMediaStreamTrack({ kind }) as unknown as Track;
  await transport.produce({
    track: track("video"),
    encodings: [
      { rid: "r0", maxBitrate: 100_000, scaleResolutionDownBy: 4, scalabilityMode: "L1T3" },
      { rid: "r1", maxBitrate: 300_000, scaleResolutionDownBy: 2, scalabilityMode: "L1T3" },
      { rid: "r2", maxBitrate: 900_000, scalabilityMode: "L1T3", priority: "high", networkPriority: "high" },
    ],
    appData: { source: "camera" },
  });
  await transport.produce({ track: track("audio"), appData: { source: "microphone" } });
  const [video, audio] = produced;
  if (video === undefined || audio === undefined || dtls === undefined)
    throw new Error("mediasoup-client sent nothing");
  return { video, audio, dtlsParameters: dtls, rtpCapabilities: device.recvRtpCapabilities };
}

describe("what mediasoup-client really sends", () => {
  let client: ClientPayloads;
  beforeAll(async () => {
    client = await mediasoupClientPayloads();
  });

  it("passes unchanged: simulcast encodings, header extensions, mid, msid, codec parameters", () => {
    expect(client.video.rtpParameters.encodings).toHaveLength(3);
    expect(client.video.rtpParameters.mid).toBeDefined();
    expect(client.video.rtpParameters.msid).toBeDefined();
    expect(RtpParameters.parse(client.video.rtpParameters)).toEqual(client.video.rtpParameters);
    expect(RtpParameters.parse(client.audio.rtpParameters)).toEqual(client.audio.rtpParameters);
    expect(DtlsParameters.parse(client.dtlsParameters)).toEqual(client.dtlsParameters);
    expect(RtpCapabilities.parse(client.rtpCapabilities)).toEqual(client.rtpCapabilities);
    expect(AppData.parse(client.video.appData)).toEqual(client.video.appData);
  });

  it("parses as produce, connect-transport and consume messages", () => {
    const { kind, rtpParameters, appData } = client.video;
    const produce = parseClientMessage(
      JSON.stringify({ type: "produce", data: { transportId: "t1", kind, rtpParameters, appData } }),
    );
    expect(produce).toEqual({
      ok: true,
      message: { type: "produce", data: { transportId: "t1", kind, rtpParameters, appData } },
    });
    const connect = parseClientMessage(
      JSON.stringify({ type: "connect-transport", data: { transportId: "t1", dtlsParameters: client.dtlsParameters } }),
    );
    expect(connect.ok).toBe(true);
    const consume = parseClientMessage(
      JSON.stringify({
        type: "consume",
        data: { transportId: "t2", producerId: "p1", rtpCapabilities: client.rtpCapabilities },
      }),
    );
    expect(consume).toEqual({
      ok: true,
      message: {
        type: "consume",
        data: { transportId: "t2", producerId: "p1", rtpCapabilities: client.rtpCapabilities },
      },
    });
  });

  it("accepts the shared samples too", () => {
    expect(RtpParameters.parse(rtpParameters)).toEqual(rtpParameters);
    expect(RtpCapabilities.parse(rtpCapabilities)).toEqual(rtpCapabilities);
    expect(DtlsParameters.parse(dtlsParameters)).toEqual(dtlsParameters);
  });
});

describe("unknown fields are dropped", () => {
  it("at every level of rtpParameters", () => {
    const tagged = structuredClone(rtpParameters) as Record<string, unknown> & typeof rtpParameters;
    const extra = { future: "field" };
    Object.assign(tagged, extra);
    for (const codec of tagged.codecs) {
      Object.assign(codec, extra);
      for (const fb of codec.rtcpFeedback) Object.assign(fb, extra);
    }
    for (const ext of tagged.headerExtensions) Object.assign(ext, extra);
    for (const enc of tagged.encodings) {
      Object.assign(enc, extra);
      Object.assign(enc.rtx, extra);
    }
    Object.assign(tagged.rtcp, extra);
    const parsed = RtpParameters.parse(tagged);
    expect(JSON.stringify(parsed)).not.toContain("future");
    expect(parsed).toEqual(rtpParameters);
  });

  it("at every level of rtpCapabilities and dtlsParameters", () => {
    const caps = structuredClone(rtpCapabilities) as Record<string, unknown> & typeof rtpCapabilities;
    Object.assign(caps, { x: 1 });
    for (const codec of caps.codecs) {
      Object.assign(codec, { x: 1 });
      for (const fb of codec.rtcpFeedback ?? []) Object.assign(fb, { x: 1 });
    }
    for (const ext of caps.headerExtensions) Object.assign(ext, { x: 1 });
    expect(RtpCapabilities.parse(caps)).toEqual(rtpCapabilities);
    const dtls = structuredClone(dtlsParameters) as Record<string, unknown> & typeof dtlsParameters;
    Object.assign(dtls, { x: 1 });
    for (const fp of dtls.fingerprints) Object.assign(fp, { x: 1 });
    expect(DtlsParameters.parse(dtls)).toEqual(dtlsParameters);
  });

  it("even when they hold 10,000-deep nesting: the schemas alone drop it (the media node has no depth scan)", () => {
    const caps = JSON.parse(withDeep({ ...rtpCapabilities, evil: "@DEEP@" }, 10_000)) as unknown;
    expect(RtpCapabilities.parse(caps)).toEqual(rtpCapabilities);
    const params = JSON.parse(withDeep({ ...rtpParameters, rtcp: { ...rtpParameters.rtcp, evil: "@DEEP@" } }, 10_000));
    expect(RtpParameters.parse(params)).toEqual(rtpParameters);
  });

  it("at the edge, nesting past MAX_JSON_DEPTH is too-large; within it, unknown keys are dropped", () => {
    const data = { transportId: "t1", producerId: "p1", rtpCapabilities: { ...rtpCapabilities, evil: "@DEEP@" } };
    for (const depth of [2_000, 10_000]) {
      expectRefused(parseClientMessage(frame("consume", withDeep(data, depth))), ["too-large"]);
    }
    // envelope, data and rtpCapabilities are three levels: this fills the rest.
    const result = parseClientMessage(frame("consume", withDeep(data, MAX_JSON_DEPTH - 3)));
    expect(result.ok, JSON.stringify(result).slice(0, 200)).toBe(true);
    if (!result.ok || result.message.type !== "consume") return;
    expect(result.message.data.rtpCapabilities).toEqual(rtpCapabilities);
  });
});

describe("free-form values are bounded", () => {
  const produce = (appData: unknown) => ({ transportId: "t1", kind: "video", rtpParameters, appData });

  it("appData is flat: nesting of any depth is refused", () => {
    for (const depth of [1, 2, 2_000, 10_000]) {
      const text = withDeep(produce({ source: "@DEEP@" }), depth);
      expect(text.length).toBeLessThan(MAX_FRAME_BYTES);
      // The schema refuses shallow nesting; the edge's depth scan refuses deep nesting first (too-large).
      expectRefused(parseClientMessage(frame("produce", text)), depth <= 2 ? ["invalid-message"] : ["too-large"]);
      expect(AppData.safeParse(JSON.parse(withDeep({ source: "@DEEP@" }, depth))).success).toBe(false);
    }
    expect(AppData.safeParse({ a: { b: 1 } }).success).toBe(false);
    expect(AppData.safeParse({ a: [1] }).success).toBe(false);
  });

  it("appData has bounded keys, values and size", () => {
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]));
    expect(AppData.safeParse(many).success).toBe(false);
    expect(AppData.safeParse({ ["k".repeat(33)]: 1 }).success).toBe(false);
    expectRefused(parseClientMessage(frame("produce", JSON.stringify(produce({ s: "x".repeat(257) })))), ["too-large"]);
    expect(AppData.safeParse({ source: "screen", n: 1, ok: true, none: null }).success).toBe(true);
  });

  it("appData refuses keys that would touch prototypes", () => {
    for (const key of ["constructor", "prototype"]) {
      expect(AppData.safeParse(JSON.parse(`{"${key}": null}`)).success, key).toBe(false);
    }
    // zod itself never copies a `__proto__` key (assigning it would replace the result's prototype).
    const proto = AppData.parse(JSON.parse('{"__proto__": null, "source": "screen"}'));
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(["source"]);
  });

  it("codec parameters are a flat record of strings and numbers with bounded keys and count", () => {
    const codec = (parameters: unknown) => ({ ...rtpParameters, codecs: [{ ...rtpParameters.codecs[0], parameters }] });
    expect(RtpParameters.safeParse(codec({ apt: 96, "profile-level-id": "42e01f" })).success).toBe(true);
    expect(RtpParameters.safeParse(codec({ nested: { a: 1 } })).success).toBe(false);
    expect(RtpParameters.safeParse(codec({ list: [1] })).success).toBe(false);
    expect(RtpParameters.safeParse(codec({ flag: true })).success).toBe(false);
    expect(RtpParameters.safeParse(codec({ ["k".repeat(65)]: 1 })).success).toBe(false);
    expect(RtpParameters.safeParse(codec(JSON.parse('{"constructor": {"polluted": 1}}'))).success).toBe(false);
    const proto = RtpParameters.parse(codec(JSON.parse('{"__proto__": {"polluted": 1}, "apt": 96}')));
    expect(proto.codecs[0]?.parameters).toEqual({ apt: 96 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    expect(RtpParameters.safeParse(codec(many)).success).toBe(false);
    const deep = withDeep({ transportId: "t1", kind: "video", rtpParameters: codec({ x: "@DEEP@" }) }, 10_000);
    expectRefused(parseClientMessage(frame("produce", deep)), ["invalid-message", "too-large"]);
  });

  it("lists are bounded and give too-large", () => {
    const encodings = Array.from({ length: 17 }, (_, i) => ({ ssrc: i + 1 }));
    expectRefused(
      parseClientMessage(
        frame(
          "produce",
          JSON.stringify({ transportId: "t1", kind: "video", rtpParameters: { ...rtpParameters, encodings } }),
        ),
      ),
      ["too-large"],
    );
    const codecs = Array.from({ length: 65 }, () => rtpCapabilities.codecs[0]);
    expectRefused(
      parseClientMessage(
        frame("consume", JSON.stringify({ transportId: "t", producerId: "p", rtpCapabilities: { codecs } })),
      ),
      ["too-large"],
    );
  });

  it("numbers stay in the ranges mediasoup can hold", () => {
    const encoding = (e: Record<string, unknown>) => ({ ...rtpParameters, encodings: [e] });
    for (const bad of [
      { ssrc: 2 ** 32 },
      { ssrc: -1 },
      { ssrc: 1.5 },
      { rtx: { ssrc: 2 ** 32 } },
      { maxBitrate: -1 },
    ]) {
      expect(RtpParameters.safeParse(encoding(bad)).success, JSON.stringify(bad)).toBe(false);
    }
    expect(RtpParameters.safeParse(encoding({ ssrc: 2 ** 32 - 1 })).success).toBe(true);
    const codec = (c: Record<string, unknown>) => ({
      ...rtpParameters,
      codecs: [{ ...rtpParameters.codecs[0], ...c }],
    });
    for (const bad of [{ payloadType: 128 }, { clockRate: 0 }, { clockRate: 2 ** 32 }, { channels: 0 }]) {
      expect(RtpParameters.safeParse(codec(bad)).success, JSON.stringify(bad)).toBe(false);
    }
    // JSON has no NaN, but 1e999 parses as Infinity.
    const infinite = JSON.parse('{"ssrc": 1e999}') as { ssrc: number };
    expect(infinite.ssrc).toBe(Number.POSITIVE_INFINITY);
    expect(RtpParameters.safeParse(encoding(infinite)).success).toBe(false);
  });
});

type Path = (string | number)[];

/** Every path to an object or array inside a JSON value, the root (`[]`) included. */
function containerPaths(value: unknown, at: Path = []): Path[] {
  if (typeof value !== "object" || value === null) return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? [...value.entries()] : Object.entries(value);
  return [at, ...entries.flatMap(([k, v]) => containerPaths(v, [...at, k]))];
}

function at(root: unknown, path: Path): Record<string | number, unknown> {
  return path.reduce<unknown>((node, step) => (node as Record<string | number, unknown>)[step], root) as Record<
    string | number,
    unknown
  >;
}

describe("nesting never reaches past the edge's parser", () => {
  const SFU_SAMPLES = ["connect-transport", "produce", "consume"] as const;

  it("10,000-deep arrays anywhere in connect-transport, produce and consume: dropped or refused, never thrown", () => {
    for (const type of SFU_SAMPLES) {
      const sample = clientSamples[type];
      const size = JSON.stringify(sample).length;
      for (const path of containerPaths(sample)) {
        const container = at(sample, path);
        const slots = Array.isArray(container) ? [container.length, 0] : ["unknownKey", ...Object.keys(container)];
        for (const slot of slots) {
          const data = structuredClone(sample);
          at(data, path)[slot] = "@DEEP@";
          const result = parseClientMessage(frame(type, withDeep(data, 10_000)));
          if (result.ok)
            expect(JSON.stringify(result.message).length, `${type} ${path}.${slot}`).toBeLessThan(2 * size);
          else expect(["invalid-message", "too-large"], `${type} ${path}.${slot}`).toContain(result.error.data.code);
        }
      }
    }
  });

  it("any JSON in place of any part of them: a typed answer, never an exception, nothing big let through", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SFU_SAMPLES),
        fc.nat(),
        fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor")),
        fc.jsonValue({ maxDepth: 6 }),
        (type, pick, key, value) => {
          const sample = clientSamples[type];
          const paths = containerPaths(sample);
          const data = structuredClone(sample);
          const container = at(data, paths[pick % paths.length] as Path);
          if (Array.isArray(container)) container[pick % (container.length + 1)] = value;
          else container[key] = value;
          const result = parseClientMessage(JSON.stringify({ type, data }));
          if (!result.ok) {
            expect(["invalid-message", "too-large"]).toContain(result.error.data.code);
            return;
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          expect(JSON.stringify(result.message).length).toBeLessThan(JSON.stringify(sample).length + 6_000);
        },
      ),
      fuzzParameters(500),
    );
  });
});
